"""机构登记与人员配备 (issue 17 §2): the office, registration and credit code move from three plain fields of
Organization (office_approved, registered_on, credit_code) into `Establishment` and its steps, nothing lost:

* office_approved → office "approved", recorded as a step "编制部门批准设立办事机构";
* registered_on → office "registered" (a step "按群众团体性质登记" on that date);
* credit_code → credit code "assigned" with the code (a step "赋予统一社会信用代码", on the registration date when known).

A step whose date the old fields did not keep is dated by the organization's last change and says so. Backwards, the
three fields are filled again from the establishment. The 归侨侨眷 marks of the two responsible people are new."""

import django.db.models.deletion
import orgs.staffing.models
from django.conf import settings
from django.db import migrations, models


MIGRATED = "由原“机构登记”字段迁移"
UNDATED = "由原“机构登记”字段迁移；原记录未载明日期，取组织信息最后修改日期"


def registration_forward(apps, schema_editor):
    Organization = apps.get_model("orgs", "Organization")
    Establishment = apps.get_model("orgs", "Establishment")
    EstablishmentStep = apps.get_model("orgs", "EstablishmentStep")
    rows = (
        Organization.objects.filter(models.Q(office_approved=True) | models.Q(registered_on__isnull=False) | ~models.Q(credit_code=""))
        .order_by("pk").values_list("pk", "office_approved", "registered_on", "credit_code", "updated_at")
    )
    establishments, steps = [], []
    for pk, approved, registered_on, code, updated_at in rows.iterator():
        fallback = updated_at.date()
        office = "registered" if registered_on else "approved" if approved else "none"
        establishments.append(Establishment(organization_id=pk, office_status=office,
                                            credit_code_status="assigned" if code else "none", credit_code=code or ""))
        if approved or registered_on:
            steps.append(EstablishmentStep(organization_id=pk, action="approve_office", date=registered_on or fallback,
                                           note=MIGRATED if registered_on else UNDATED))
        if registered_on:
            steps.append(EstablishmentStep(organization_id=pk, action="register_office", date=registered_on, note=MIGRATED))
        if code:
            steps.append(EstablishmentStep(organization_id=pk, action="assign_credit_code", date=registered_on or fallback,
                                           code=code, note=MIGRATED if registered_on else UNDATED))
    Establishment.objects.bulk_create(establishments, batch_size=1000)
    EstablishmentStep.objects.bulk_create(steps, batch_size=1000)


def registration_backward(apps, schema_editor):
    Organization = apps.get_model("orgs", "Organization")
    Establishment = apps.get_model("orgs", "Establishment")
    EstablishmentStep = apps.get_model("orgs", "EstablishmentStep")
    registered = dict(EstablishmentStep.objects.filter(action="register_office").values_list("organization_id", "date"))
    for organization_id, office, code in Establishment.objects.values_list("organization_id", "office_status", "credit_code"):
        Organization.objects.filter(pk=organization_id).update(
            office_approved=office in ("approved", "registered"), registered_on=registered.get(organization_id),
            credit_code=code or "",
        )


class Migration(migrations.Migration):

    dependencies = [
        ('orgs', '0007_organization_network'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='organization',
            name='daily_affairs_cadre_is_returned',
            field=models.BooleanField(default=False, verbose_name='日常事务干部为归侨侨眷'),
        ),
        migrations.AddField(
            model_name='organization',
            name='responsible_leader_is_returned',
            field=models.BooleanField(default=False, verbose_name='班子成员为归侨侨眷'),
        ),
        migrations.CreateModel(
            name='Establishment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('office_status', models.CharField(choices=[('none', '未申请'), ('requested', '已申请设立办事机构'), ('approved', '编制部门已批准'), ('registered', '已按群众团体登记')], default='none', max_length=12, verbose_name='办事机构')),
                ('credit_code_status', models.CharField(choices=[('none', '未办理'), ('needed', '需要办理'), ('applied', '已申请'), ('assigned', '已赋码')], default='none', max_length=12, verbose_name='统一社会信用代码办理')),
                ('credit_code', models.CharField(blank=True, default='', max_length=18, verbose_name='统一社会信用代码')),
                ('responsible_section', models.CharField(blank=True, default='', help_text='暂未设立办事机构时，由县（市、区）委统战部内设科室负责侨联日常工作', max_length=64, verbose_name='负责侨联日常工作的统战部科室')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='更新时间')),
                ('organization', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='establishment', to='orgs.organization', verbose_name='侨联组织')),
            ],
            options={
                'verbose_name': '机构登记',
                'verbose_name_plural': '机构登记',
            },
        ),
        migrations.CreateModel(
            name='EstablishmentStep',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('action', models.CharField(max_length=24, verbose_name='步骤')),
                ('date', models.DateField(verbose_name='日期')),
                ('code', models.CharField(blank=True, default='', max_length=18, verbose_name='统一社会信用代码')),
                ('note', models.TextField(blank=True, default='', verbose_name='说明')),
                ('document', models.FileField(blank=True, max_length=255, upload_to=orgs.staffing.models.establishment_document_path, verbose_name='附件')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='记录时间')),
                ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='establishment_steps', to=settings.AUTH_USER_MODEL, verbose_name='办理人')),
                ('organization', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='establishment_steps', to='orgs.organization', verbose_name='侨联组织')),
            ],
            options={
                'verbose_name': '机构登记步骤',
                'verbose_name_plural': '机构登记步骤',
                'ordering': ['organization_id', 'date', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='StaffPost',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('title', models.CharField(max_length=64, verbose_name='岗位')),
                ('holder', models.CharField(blank=True, default='', max_length=64, verbose_name='在岗人员')),
                ('employment', models.CharField(choices=[('full_time', '专职'), ('part_time', '兼职')], default='part_time', max_length=10, verbose_name='专兼职')),
                ('funding', models.CharField(choices=[('establishment', '编制'), ('purchased', '政府购买服务'), ('public_welfare', '公益性岗位'), ('concurrent', '兼任（由所在单位保障）')], max_length=16, verbose_name='保障方式')),
                ('is_returned_or_relative', models.BooleanField(default=False, verbose_name='归侨侨眷')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='记录时间')),
                ('organization', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='staff_posts', to='orgs.organization', verbose_name='侨联组织')),
            ],
            options={
                'verbose_name': '岗位',
                'verbose_name_plural': '岗位',
                'ordering': ['organization_id', 'employment', 'pk'],
            },
        ),
        migrations.RunPython(registration_forward, registration_backward),
        migrations.RemoveField(
            model_name='organization',
            name='credit_code',
        ),
        migrations.RemoveField(
            model_name='organization',
            name='office_approved',
        ),
        migrations.RemoveField(
            model_name='organization',
            name='registered_on',
        ),
    ]

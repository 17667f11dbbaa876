"""Issue 16 §3, the organization network: the 1+N kinds Jiangxi 18 names (特聘专家委员会、侨创联盟、留学生眷属联谊会),
the contact log of 干部联系点 (Jiangxi 12), and activity attachments as rows of their own (several per activity):
the single `Activity.attachment` of 0005 becomes one ActivityAttachment (its file stays where it is)."""

import django.db.models.deletion
import orgs.organizations.models
from django.conf import settings
from django.db import migrations, models


def attachments_to_rows(apps, schema_editor):
    Activity = apps.get_model("orgs", "Activity")
    ActivityAttachment = apps.get_model("orgs", "ActivityAttachment")
    rows = []
    for activity in Activity.objects.exclude(attachment="").exclude(attachment__isnull=True).iterator():
        try:
            size = activity.attachment.size
        except OSError:  # the file is missing on this machine: keep the row, size unknown
            size = 0
        rows.append(ActivityAttachment(
            activity_id=activity.pk, file=activity.attachment.name, name=activity.attachment.name.rsplit("/", 1)[-1],
            size=size, uploaded_by_id=activity.recorded_by_id,
        ))
    ActivityAttachment.objects.bulk_create(rows)


def rows_to_attachments(apps, schema_editor):
    """Back to one file per activity: the first attachment of each (later ones stay on disk, unreferenced)."""
    Activity = apps.get_model("orgs", "Activity")
    ActivityAttachment = apps.get_model("orgs", "ActivityAttachment")
    seen = set()
    for attachment in ActivityAttachment.objects.order_by("activity_id", "pk").iterator():
        if attachment.activity_id not in seen:
            seen.add(attachment.activity_id)
            Activity.objects.filter(pk=attachment.activity_id).update(attachment=attachment.file.name)


class Migration(migrations.Migration):

    dependencies = [
        ('orgs', '0006_account_profile'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='affiliatedassociation',
            name='kind',
            field=models.CharField(choices=[('experts', '特聘专家委员会'), ('innovation', '侨创联盟'), ('chamber', '侨商会'), ('youth', '侨青委'), ('returned_students', '留联会'), ('student_families', '留学生眷属联谊会'), ('legal', '法顾委'), ('culture', '文促会'), ('other', '其他涉侨社团')], max_length=20, verbose_name='类别'),
        ),
        migrations.CreateModel(
            name='ActivityAttachment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('file', models.FileField(max_length=255, upload_to=orgs.organizations.models.activity_file_path, verbose_name='文件')),
                ('name', models.CharField(max_length=255, verbose_name='文件名')),
                ('size', models.PositiveIntegerField(default=0, verbose_name='大小（字节）')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='上传时间')),
                ('activity', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='attachments', to='orgs.activity', verbose_name='活动')),
                ('uploaded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='activity_attachments', to=settings.AUTH_USER_MODEL, verbose_name='上传人')),
            ],
            options={
                'verbose_name': '活动附件',
                'verbose_name_plural': '活动附件',
                'ordering': ['activity_id', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='CadreContactLog',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('date', models.DateField(verbose_name='联系日期')),
                ('way', models.CharField(choices=[('visit', '走访'), ('phone', '电话'), ('meeting', '会议座谈'), ('online', '微信/网络'), ('other', '其他')], max_length=10, verbose_name='联系方式')),
                ('note', models.TextField(verbose_name='联系内容')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='记录时间')),
                ('contact', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='logs', to='orgs.cadrecontact', verbose_name='干部联系点')),
                ('recorded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='recorded_contact_logs', to=settings.AUTH_USER_MODEL, verbose_name='记录人')),
            ],
            options={
                'verbose_name': '联系记录',
                'verbose_name_plural': '联系记录',
                'ordering': ['contact_id', '-date', '-pk'],
            },
        ),
        migrations.RunPython(attachments_to_rows, rows_to_attachments),
        migrations.RemoveField(
            model_name='activity',
            name='attachment',
        ),
    ]

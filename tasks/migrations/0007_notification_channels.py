"""Notification channels (issue 21 §1): each account's channel choice moves onto its account (orgs 0017:
AccountProfile.notify_channel, notify_immediate; copied here from NotificationPreference, which goes), and the
outbox carries every channel with its delivery state."""

from django.conf import settings
from django.db import migrations, models


def preferences_to_accounts(apps, schema_editor):
    """Each stored choice onto the account (accounts without a profile get one, as the product opens them)."""
    Preference = apps.get_model("tasks", "NotificationPreference")
    Profile = apps.get_model("orgs", "AccountProfile")
    choices = dict(Preference.objects.values_list("user_id", "channel"))
    have = set(Profile.objects.filter(user_id__in=choices).values_list("user_id", flat=True))
    Profile.objects.bulk_create([Profile(user_id=u, must_change_password=False) for u in choices if u not in have])
    for channel in set(choices.values()):
        Profile.objects.filter(user_id__in=[u for u, c in choices.items() if c == channel]).update(notify_channel=channel)


def accounts_to_preferences(apps, schema_editor):
    Preference = apps.get_model("tasks", "NotificationPreference")
    Profile = apps.get_model("orgs", "AccountProfile")
    Preference.objects.bulk_create([
        Preference(user_id=u, channel=c if c in ("email", "inbox") else "email")
        for u, c in Profile.objects.exclude(notify_channel="email").values_list("user_id", "notify_channel")
    ])


class Migration(migrations.Migration):

    dependencies = [
        ('tasks', '0006_task_deadline_id_index'),
        ('orgs', '0019_notification_channels'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(preferences_to_accounts, accounts_to_preferences, elidable=False),
        migrations.RemoveField(
            model_name='notificationpreference',
            name='user',
        ),
        migrations.AlterModelOptions(
            name='outboxmessage',
            options={'verbose_name': '待发消息', 'verbose_name_plural': '待发消息'},
        ),
        migrations.AddField(
            model_name='outboxmessage',
            name='channel',
            field=models.CharField(choices=[('email', '电子邮件'), ('wecom', '企业微信'), ('dingtalk', '钉钉'), ('sms', '短信')], default='email', max_length=8, verbose_name='渠道'),
        ),
        migrations.AddField(
            model_name='outboxmessage',
            name='claimed_until',
            field=models.DateTimeField(blank=True, null=True, verbose_name='发送租约到期'),
        ),
        migrations.AddField(
            model_name='outboxmessage',
            name='confirm_after',
            field=models.DateTimeField(blank=True, null=True, verbose_name='待查询送达结果'),
        ),
        migrations.AddField(
            model_name='outboxmessage',
            name='error_code',
            field=models.CharField(blank=True, default='', max_length=32, verbose_name='错误码'),
        ),
        migrations.AddField(
            model_name='outboxmessage',
            name='next_attempt_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='下次尝试时间'),
        ),
        migrations.AddField(
            model_name='outboxmessage',
            name='params',
            field=models.JSONField(blank=True, default=dict, verbose_name='模板参数'),
        ),
        migrations.AddField(
            model_name='outboxmessage',
            name='reference',
            field=models.CharField(blank=True, default='', max_length=128, verbose_name='平台消息编号'),
        ),
        migrations.AddField(
            model_name='outboxmessage',
            name='source',
            field=models.CharField(blank=True, db_index=True, default='', max_length=64, verbose_name='来源'),
        ),
        migrations.AddField(
            model_name='outboxmessage',
            name='url',
            field=models.CharField(blank=True, default='', max_length=255, verbose_name='链接'),
        ),
        migrations.AlterField(
            model_name='outboxmessage',
            name='key',
            field=models.CharField(max_length=160, unique=True, verbose_name='去重键'),
        ),
        migrations.AlterField(
            model_name='outboxmessage',
            name='status',
            field=models.CharField(choices=[('pending', '待发送'), ('sending', '发送中'), ('sent', '已发送'), ('throttled', '限流等待'), ('failed', '发送失败'), ('fallback', '转站内信'), ('unknown', '结果未知')], db_index=True, default='pending', max_length=9, verbose_name='状态'),
        ),
        migrations.AlterField(
            model_name='outboxmessage',
            name='to_address',
            field=models.CharField(blank=True, default='', max_length=254, verbose_name='收件地址'),
        ),
        migrations.AddIndex(
            model_name='outboxmessage',
            index=models.Index(fields=['channel', 'status'], name='outbox_channel_status_idx'),
        ),
        migrations.DeleteModel(
            name='NotificationPreference',
        ),
    ]

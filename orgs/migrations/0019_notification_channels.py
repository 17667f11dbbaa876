"""Notification channels (issue 21 §1): an account's 企业微信 and 钉钉 user ids, its channel and its opt-in to immediate
notices (moved here from tasks.NotificationPreference by tasks 0007)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('orgs', '0018_signon_identity'),
    ]

    operations = [
        migrations.AddField(
            model_name='accountprofile',
            name='dingtalk_user_id',
            field=models.CharField(blank=True, default='', help_text='钉钉通讯录中的用户 userid', max_length=64, verbose_name='钉钉账号'),
        ),
        migrations.AddField(
            model_name='accountprofile',
            name='notify_channel',
            field=models.CharField(choices=[('email', '站内信和电子邮件'), ('inbox', '仅站内信'), ('wecom', '站内信和企业微信'), ('dingtalk', '站内信和钉钉')], default='email', max_length=8, verbose_name='通知方式'),
        ),
        migrations.AddField(
            model_name='accountprofile',
            name='notify_immediate',
            field=models.BooleanField(default=True, help_text='任务指派等即时通知也通过所选方式发送（每日提醒汇总总是发送）', verbose_name='即时通知'),
        ),
        migrations.AddField(
            model_name='accountprofile',
            name='wecom_user_id',
            field=models.CharField(blank=True, default='', help_text='企业微信通讯录中的成员账号（UserID）', max_length=64, verbose_name='企业微信账号'),
        ),
    ]

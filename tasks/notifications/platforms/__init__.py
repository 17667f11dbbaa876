"""Messaging platforms outside the product: 企业微信 (WeCom), 钉钉 (DingTalk) and SMS (阿里云 or 腾讯云).

The outbox (tasks.notifications.services) decides what goes to whom and records each message's state; a platform
only delivers one message and says what became of it (`Delivery`). See base.py for the interface."""

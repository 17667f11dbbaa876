"""Fake external platforms on loopback for the tests (no traffic off the machine, no real credentials).

Fixtures (tests/fakes/fixtures.py, available to every test through tests/conftest.py); each starts a threaded
HTTP server on 127.0.0.1 (a free port), points the settings at it with the `settings` fixture of pytest-django,
and yields the fake, whose attributes record what it received and whose methods make it misbehave:

- `fake_wecom` → FakeWeCom (tests/fakes/wecom.py). Settings: WECOM_CORP_ID "ww-fake-corp", WECOM_AGENT_ID
  "1000002", WECOM_SECRET "fake-wecom-secret", WECOM_API_BASE its URL. Records `messages` (message/send bodies),
  `delivered`, `dropped` (beyond the platform's 30 a minute / 1,000 an hour per member), `token_calls`.
  Switches: `expire_token(code=42001 | 40014)`, `fail_next(errcode, times=1)` (45009, 60020 …), `users = {...}`
  (others unknown: 81013).
- `fake_dingtalk` → FakeDingTalk (tests/fakes/dingtalk.py). Settings: DINGTALK_APP_KEY "ding-fake-key",
  DINGTALK_APP_SECRET "fake-dingtalk-secret", DINGTALK_AGENT_ID "2000001", DINGTALK_API_BASE its URL. Records
  `messages`, `results[task_id][userid]`, `forbidden` (messages it accepted and will never deliver),
  `token_calls`. Switches: `expire_token(...)`, `fail_next(errcode)`, `drop_silently(userid, code="143105")`; its
  own limits (500 a day per person, the same content once a day) behave as the real platform's.
- `fake_sms` → FakeSms (tests/fakes/sms.py), for 阿里云 (the default: SMS_PROVIDER "aliyun") and 腾讯云 (set
  `settings.SMS_PROVIDER = "tencent"` in the test). Settings: SMS_ACCESS_KEY_ID "fake-key-id", SMS_ACCESS_KEY_SECRET
  "fake-key-secret", SMS_SIGN_NAME "侨联", SMS_TEMPLATE_CODE "SMS_0000001", SMS_SDK_APP_ID "1400000001",
  SMS_ENDPOINT its URL. Records `messages` ({"provider", "phone", "sign", "template", "params", "key"}).
  Switches: `fail_next(code, message)`, `fail_auth = True` (腾讯云).

The platforms' access tokens and per-member counters live in Django's cache, which tests/conftest.py empties
before each test.
"""

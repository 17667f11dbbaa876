"""pytest fixtures `fake_wecom`, `fake_dingtalk`, `fake_sms`: see tests/fakes/__init__.py."""
from __future__ import annotations

import pytest

from tasks.notifications.platforms import tokens, transport
from tests.fakes.dingtalk import FakeDingTalk
from tests.fakes.server import FakeServer
from tests.fakes.sms import FakeSms
from tests.fakes.wecom import FakeWeCom


def _process_forgets() -> None:
    """Each fake is new: nothing this process kept from an earlier test (a token of another fake) is used."""
    tokens.local_forget()
    transport.sessions_reset()


@pytest.fixture
def fake_wecom(settings):
    _process_forgets()
    fake = FakeWeCom(corp_id="ww-fake-corp", secret="fake-wecom-secret")
    server = FakeServer(fake).start()
    settings.WECOM_CORP_ID, settings.WECOM_AGENT_ID, settings.WECOM_SECRET = "ww-fake-corp", "1000002", "fake-wecom-secret"
    settings.WECOM_API_BASE = server.url
    fake.url = server.url
    yield fake
    server.stop()


@pytest.fixture
def fake_dingtalk(settings):
    _process_forgets()
    fake = FakeDingTalk(app_key="ding-fake-key", app_secret="fake-dingtalk-secret")
    server = FakeServer(fake).start()
    settings.DINGTALK_APP_KEY, settings.DINGTALK_APP_SECRET, settings.DINGTALK_AGENT_ID = "ding-fake-key", "fake-dingtalk-secret", "2000001"
    settings.DINGTALK_API_BASE = server.url
    fake.url = server.url
    yield fake
    server.stop()


@pytest.fixture
def fake_sms(settings):
    fake = FakeSms()
    server = FakeServer(fake).start()
    settings.SMS_PROVIDER = "aliyun"
    settings.SMS_ACCESS_KEY_ID, settings.SMS_ACCESS_KEY_SECRET = "fake-key-id", "fake-key-secret"
    settings.SMS_SIGN_NAME, settings.SMS_TEMPLATE_CODE, settings.SMS_SDK_APP_ID = "侨联", "SMS_0000001", "1400000001"
    settings.SMS_ENDPOINT = server.url
    fake.url = server.url
    yield fake
    server.stop()

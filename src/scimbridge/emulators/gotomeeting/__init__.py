"""An emulator of the GoTo Admin API that provisions GoToMeeting users.

It serves ``POST /oauth/token`` and the ``/admin/rest/v1`` users, groups and
licenses calls over HTTP, as ``api.getgo.com`` does, so the gateway's GoToMeeting
connector can run against it unchanged. :class:`EmulatorSettings` documents every
behaviour that can be configured, including the choices made where GoTo's own
documentation is silent.
"""

from scimbridge.emulators.gotomeeting.app import create_app
from scimbridge.emulators.gotomeeting.settings import EmulatorSettings, LicenseSpec

__all__ = ["EmulatorSettings", "LicenseSpec", "create_app"]

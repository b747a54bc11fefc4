"""An emulator of the Coupa Core REST API for the users, groups and accounting resources.

It serves ``POST /oauth2/token`` (client credentials) and the ``/api`` resources
that a Coupa user provisioning connector reads and writes: users, roles, content
groups, user groups and their memberships, charts of accounts, accounts, account
groups, currencies, approval limits and addresses. :class:`CoupaEmulatorSettings`
documents every setting and the choices made where Coupa's documentation is silent.
"""

from scimbridge.emulators.coupa.app import create_app
from scimbridge.emulators.coupa.settings import CoupaEmulatorSettings

__all__ = ["CoupaEmulatorSettings", "create_app"]

"""Every msgid the console's own templates translate, listed here for extraction.

The project's extraction reads only Python, so the strings ``base.html``, ``login.html``,
``home.html`` and ``error.html`` pass to ``_`` are listed here too; a test keeps this
list and the templates in step.
"""

from __future__ import annotations

from typing import Final

from lienthong.i18n import N_

#: The service's name in the header of every page.
SERVICE_NAME: Final = N_("lienthong — operator console")

TEMPLATE_MESSAGES: Final[tuple[str, ...]] = (
    # base.html
    N_("Skip to main content"),
    N_("Signed in as {name} ({login})"),
    N_("Sign out"),
    N_("Language"),
    N_("Console home"),
    N_("lienthong is open-source software under the Apache 2.0 licence."),
    # login.html
    N_("Sign in"),
    N_("There is a problem"),
    N_("Login name"),
    N_("Password"),
    N_("Error:"),
    N_(
        "Sign in to the operator console with the login name and password a central operator gave you."
    ),
    # home.html
    N_("Operator console"),
    N_("Your role: {role}"),
    N_("Your province: {province}"),
    N_("You see the whole network."),
    N_("Sections you may use"),
    N_("You have no section to use. Ask a central operator."),
    # error.html
    N_("Go to the console home"),
)

#: How each role and section is named on the pages.
ROLE_NAMES: Final = {
    "central_operator": N_("Central operator"),
    "province_operator": N_("Province operator"),
    "auditor": N_("Auditor"),
}
SECTION_NAMES: Final = {
    "network": N_("Network"),
    "registries": N_("Registries"),
    "directory": N_("Directory"),
    "audit": N_("Audit"),
    "sync": N_("Sync"),
    "consolidation": N_("Consolidation"),
}
SECTION_HINTS: Final = {
    "network": N_("Every node's health, directory version and sync lag."),
    "registries": N_("Search people, enterprises, vehicles and parcels; see who read a record."),
    "directory": N_("Members, nodes, systems, services and grants; grant and revoke."),
    "audit": N_("Filter the audit log, verify its chain, show an inclusion proof."),
    "sync": N_("Subscriptions, cursors, pending change requests, digests and repair."),
    "consolidation": N_("The review queue and reports of retiring legacy systems."),
}

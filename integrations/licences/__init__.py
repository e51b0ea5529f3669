"""Electronic licence library (电子证照库) behind one port: a batch read of a person's licences.

See README.md beside this file for the contract, the semantics and the demo holders.
"""

from integrations.licences.factory import (
    build_http_licence_library,
    build_local_licence_library,
    build_reference_licence_library,
)
from integrations.licences.http import HttpLicenceLibrary
from integrations.licences.local import DEMO_HOLDERS, LocalLicenceLibrary
from integrations.licences.models import (
    MAX_TYPES_PER_BATCH,
    FetchPurpose,
    Licence,
    LicenceLibraryError,
    LicenceLookup,
    LicenceStatus,
    LicenceType,
)
from integrations.licences.port import LicenceLibrary

__all__ = [
    "DEMO_HOLDERS",
    "MAX_TYPES_PER_BATCH",
    "FetchPurpose",
    "HttpLicenceLibrary",
    "Licence",
    "LicenceLibrary",
    "LicenceLibraryError",
    "LicenceLookup",
    "LicenceStatus",
    "LicenceType",
    "LocalLicenceLibrary",
    "build_http_licence_library",
    "build_local_licence_library",
    "build_reference_licence_library",
]

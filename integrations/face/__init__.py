"""Face verification (Tencent FaceID) behind one port, with a reference server for local runs.

See README.md beside this file for the contract.
"""

from integrations.face.factory import (
    DEMO_RULE_ID,
    build_local_face_verifier,
    build_tencent_face_verifier,
    demo_credentials,
)
from integrations.face.models import (
    FaceProviderError,
    FaceResult,
    FaceStart,
    FaceStatus,
    FaceSubject,
    mask_id_number,
    mask_name,
)
from integrations.face.port import FaceVerifier
from integrations.face.reference import H5_OUTCOMES, OUTCOMES, TencentFaceReference
from integrations.face.tencent import TencentFaceId

__all__ = [
    "DEMO_RULE_ID",
    "H5_OUTCOMES",
    "OUTCOMES",
    "FaceProviderError",
    "FaceResult",
    "FaceStart",
    "FaceStatus",
    "FaceSubject",
    "FaceVerifier",
    "TencentFaceId",
    "TencentFaceReference",
    "build_local_face_verifier",
    "build_tencent_face_verifier",
    "demo_credentials",
    "mask_id_number",
    "mask_name",
]

"""Camera context fused with the words: who is there, are they looking, what the scene is like."""

from app.fusion.camera import CameraSource, open_camera
from app.fusion.scene import SceneAnalyzer, SceneContext

__all__ = ["CameraSource", "open_camera", "SceneAnalyzer", "SceneContext"]

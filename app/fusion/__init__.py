"""Camera context fused with the words: who is there, who faces the device, a raised palm, the light.

camera.py (frames) -> perception.py (SceneAnalyzer: faces.py, hands.py) -> scene.py (SceneContext)
-> watcher.py (the perception thread, rules.py's look-to-talk and palm stop) -> the dialogue.
"""

from app.fusion.camera import CameraSource, open_camera
from app.fusion.perception import SceneAnalyzer
from app.fusion.scene import Face, Hand, SceneContext

__all__ = ["CameraSource", "Face", "Hand", "SceneAnalyzer", "SceneContext", "open_camera"]

"""ONNX export of a voice and the ONNX Runtime voice that runs it without torch.

`stage.py` is the registered stage (torch), `graphs.py` the torch modules that become the
ONNX graphs, `polyphase.py` the ConvTranspose1d rewrite; `runtime.py` and `driver.py` load and
run an export dir with numpy and onnxruntime only. This package's __init__ imports nothing,
so that the runtime's import stays torch-free.
"""

"""Phases of the quantizers: calibration, tracking during QAT, freezing after freeze_step."""

import copy

import torch

from compress.quant import backend
from compress.quant.backend import CalibratorSpec
from compress.quant.calibrate import FreezeAfter, activation_quantizers, phase_of, set_phase
from compress.quant.modules import quantized


def _model():
    torch.manual_seed(0)
    model = torch.nn.Sequential(quantized(torch.nn.Linear(3, 4), 0, CalibratorSpec("ema", 0.5)), torch.nn.ReLU(),
                                quantized(torch.nn.Linear(4, 2), 0, CalibratorSpec("ema", 0.5)))
    return model


def test_ranges_track_in_training_until_freeze_step_then_stay():
    model = _model()
    hook = FreezeAfter(model, steps=2)
    assert phase_of(model) == "track"
    first = activation_quantizers(model)[0]
    model.train()
    seen = []
    for peak in (1.0, 3.0, 5.0, 7.0):
        model(torch.tensor([[peak, 0.0, 0.0]]))
        seen.append(float(backend.amax(first)))
    assert seen == [1.0, 2.0, 2.0, 2.0]  # 1; 0.5*1 + 0.5*3; frozen from the third step
    assert phase_of(model) == "frozen"
    hook.close()
    model(torch.tensor([[9.0, 0.0, 0.0]]))
    assert float(backend.amax(first)) == 2.0


def test_forwards_without_gradients_do_not_count_as_steps_and_minus_one_never_freezes():
    model = _model()
    hook = FreezeAfter(model, steps=-1)
    with torch.no_grad():
        model(torch.ones(1, 3))
    assert hook.count == 0
    model.eval()  # distillation trains in eval mode (dropout off): still a step
    for _ in range(3):
        model(torch.ones(1, 3))
    assert hook.count == 3 and phase_of(model) == "track"
    other = copy.deepcopy(model)
    FreezeAfter(other, steps=0)
    assert phase_of(other) == "frozen"  # freeze_step 0: QAT with the calibrated ranges


def test_calibration_leaves_outputs_float():
    model = _model()
    x = torch.randn(5, 3)
    float_out = torch.nn.Sequential(*[torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2)])
    float_out.load_state_dict({k: v for k, v in model.state_dict().items() if "quantizer" not in k})
    set_phase(model, "calibrate")
    assert torch.allclose(model(x), float_out(x), atol=0.05)  # weights are INT8, activations float
    set_phase(model, "frozen")
    assert phase_of(model) == "frozen"

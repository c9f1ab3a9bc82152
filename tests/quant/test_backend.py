"""Quantizers of the backend: the INT8 grid, per-channel ranges, calibrators writing amax."""

import torch

from compress.quant import backend


def test_fake_quant_keeps_grid_values_rounds_to_half_a_step_and_clips_at_the_range():
    scale = 0.5 / backend.BOUND
    grid = torch.arange(backend.QMIN, backend.QMAX + 1, dtype=torch.float32) * scale
    assert torch.equal(backend.fake_quant_per_tensor(grid, scale), grid)
    x = torch.linspace(-0.5, 0.5, 1001)
    error = (backend.fake_quant_per_tensor(x, scale) - x).abs()
    assert float(error.max()) <= scale / 2 + 1e-7
    assert float(backend.fake_quant_per_tensor(torch.tensor([3.0]), scale)) == 127 * scale


def test_an_activation_quantizer_is_per_tensor_and_quantizes_with_its_amax():
    quantizer = backend.input_quantizer(backend.CalibratorSpec("ema", 0.9))
    quantizer._amax.fill_(2.0)
    backend.set_mode(quantizer, calibrate=False, quantize=True)
    x = torch.randn(3, 5, 7)
    assert backend.axis(quantizer) is None and backend.amax(quantizer).shape == ()
    assert torch.equal(quantizer(x), backend.fake_quant_per_tensor(x, 2.0 / 127))


def test_the_ema_calibrator_updates_the_quantizers_amax_at_every_batch():
    quantizer = backend.input_quantizer(backend.CalibratorSpec("ema", 0.5))
    backend.set_mode(quantizer, calibrate=True, quantize=False)
    seen = []
    for peak in (4.0, -2.0, 1.0):
        x = torch.tensor([0.1, peak, -0.3])
        assert torch.equal(quantizer(x), x)  # calibrating: outputs stay float
        seen.append(float(backend.amax(quantizer)))
    assert seen == [4.0, 3.0, 2.0]  # 4; 0.5*4 + 0.5*2; 0.5*3 + 0.5*1
    assert backend.calibrator_state(quantizer) == 2.0


def test_the_max_calibrator_keeps_the_running_max():
    quantizer = backend.input_quantizer(backend.CalibratorSpec("max"))
    backend.set_mode(quantizer, calibrate=True, quantize=True)
    for peak in (1.0, 3.0, 2.0):
        quantizer(torch.tensor([peak]))
    assert float(backend.amax(quantizer)) == 3.0


def test_weight_quantizers_are_per_channel_along_their_axis():
    weight = torch.randn(6, 4, 3)
    for axis, shape in ((0, (6, 1, 1)), (1, (1, 4, 1))):
        quantizer = backend.weight_quantizer(weight, axis)
        assert backend.axis(quantizer) == axis and tuple(backend.amax(quantizer).shape) == shape
        dims = tuple(d for d in range(3) if d != axis)
        assert torch.equal(backend.amax(quantizer), weight.abs().amax(dim=dims, keepdim=True))
        out = quantizer(weight)
        step = backend.amax(quantizer) / backend.BOUND
        assert torch.all((out - weight).abs() <= step / 2 + 1e-7)
        assert torch.allclose(out / step, torch.round(out / step), atol=1e-4)  # on each channel's grid


def test_the_ema_can_average_a_percentile_of_each_batch_instead_of_its_max():
    x = -torch.arange(1.0, 101.0)  # |x| = 1..100
    assert backend.batch_statistic(x, 100.0) == 100.0
    assert backend.batch_statistic(x, 99.0) == 99.0 and backend.batch_statistic(x, 50.0) == 50.0
    quantizer = backend.input_quantizer(backend.CalibratorSpec("ema", 0.5, 90.0))
    backend.set_mode(quantizer, calibrate=True, quantize=False)
    quantizer(x)
    quantizer(x * 3)
    assert float(backend.amax(quantizer)) == 0.5 * 90 + 0.5 * 270

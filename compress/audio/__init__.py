"""Audio features exactly as a KAN-TTS voice's `audio_config` defines them.

    config.FeatureConfig      the `audio_config` block (sample rate, hop, window, mels, levels)
    spectral                  STFT magnitude, log-mel, frame energy (numpy)
    mel_torch.LogMel          the same log-mel in torch, differentiable (vocoder mel loss)
    pitch.frame_f0            frame F0 + voicing with KAN-TTS's post-processing
    normalize                 corpus mean/std, zero-keeping normalization, phone-level averaging
    trim                      silence trimming and the len(wav) == frames * hop contract

The facts these follow are written down in docs/features.md. No torch is imported here except by
`mel_torch`.
"""

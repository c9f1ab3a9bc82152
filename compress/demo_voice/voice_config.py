"""The demo voice's KAN-TTS configs: small dimensions that train on two CPU cores.

Written in the layout the KAN-TTS trainer writes (`config.yaml` beside `ckpt/`: the audio
config merged with the model config and the linguistic units), so KAN-TTS itself could load
the voice.
"""

from __future__ import annotations

SPEAKERS = ("zhiyan", "zhibei")

SAMBERT_PARAMS = {
    "max_len": 800,
    "embedding_dim": 256,
    "encoder_num_layers": 4,
    "encoder_num_heads": 4,
    "encoder_num_units": 128,
    "encoder_ffn_inner_dim": 512,
    "encoder_dropout": 0.1,
    "encoder_attention_dropout": 0.1,
    "encoder_relu_dropout": 0.1,
    "encoder_projection_units": 32,
    "speaker_units": 16,
    "emotion_units": 16,
    "predictor_filter_size": 21,
    "predictor_fsmn_num_layers": 2,
    "predictor_num_memory_units": 64,
    "predictor_ffn_inner_dim": 128,
    "predictor_dropout": 0.1,
    "predictor_shift": 0,
    "predictor_lstm_units": 64,
    "dur_pred_prenet_units": [64, 64],
    "dur_pred_lstm_units": 64,
    "decoder_prenet_units": [128, 128],
    "decoder_num_layers": 4,
    "decoder_num_heads": 4,
    "decoder_num_units": 128,
    "decoder_ffn_inner_dim": 512,
    "decoder_dropout": 0.1,
    "decoder_attention_dropout": 0.1,
    "decoder_relu_dropout": 0.1,
    "outputs_per_step": 3,
    "num_mels": 80,
    "postnet_filter_size": 21,
    "postnet_fsmn_num_layers": 2,
    "postnet_num_memory_units": 128,
    "postnet_ffn_inner_dim": 256,
    "postnet_dropout": 0.1,
    "postnet_shift": 7,
    "postnet_lstm_units": 64,
    "MAS": False,
}

GENERATOR_PARAMS = {
    "in_channels": 80,
    "out_channels": 1,
    "channels": 64,
    "kernel_size": 7,
    "upsample_scales": [10, 5, 2, 2],
    "upsample_kernal_sizes": [20, 10, 4, 4],
    "resblock_kernel_sizes": [3, 7, 11],
    "resblock_dilations": [[1, 3, 5, 7], [1, 3, 5, 7], [1, 3, 5, 7]],
    "causal": True,
    "repeat_upsample": True,
    "bias": True,
    "nonlinear_activation": "LeakyReLU",
    "nonlinear_activation_params": {"negative_slope": 0.1},
    "use_weight_norm": True,
}


# The NSF variant (NSF.md): two more acoustic-model channels (F0, voicing) and a vocoder whose
# sine source follows that F0, so voiced speech gets its pitch instead of a buzz at the hop rate.
NSF_HARMONICS = 7
NSF_SAMBERT_PARAMS = {**SAMBERT_PARAMS, "num_mels": SAMBERT_PARAMS["num_mels"] + 2, "NSF": True,
                      "nsf_norm_type": "mean_std"}


def nsf_generator_params(sample_rate: int, params: dict = GENERATOR_PARAMS) -> dict:
    return {**params, "nsf_params": {"nb_harmonics": NSF_HARMONICS, "sampling_rate": sample_rate}}


def am_config(audio: dict, params: dict = SAMBERT_PARAMS) -> dict:
    return {
        "model_type": "sambert",
        "Model": {"KanTtsSAMBERT": {
            "params": dict(params),
            "optimizer": {"type": "Adam", "params": {"lr": 0.001, "betas": [0.9, 0.98], "eps": 1e-9,
                                                      "weight_decay": 0.0}},
            "scheduler": {"type": "NoamLR", "params": {"warmup_steps": 400}},
        }},
        "Loss": {"MelReconLoss": {"enable": True, "params": {"loss_type": "mae"}},
                 "ProsodyReconLoss": {"enable": True, "params": {"loss_type": "mae"}}},
        "linguistic_unit": {"cleaners": "english_cleaners",
                            "lfeat_type_list": "sy,tone,syllable_flag,word_segment,emo_category,speaker_category",
                            "speaker_list": ",".join(SPEAKERS)},
        "audio_config": dict(audio),
        "create_time": "sambert-compress demo-voice build",
    }


def voc_config(audio: dict, params: dict = GENERATOR_PARAMS) -> dict:
    return {
        "model_type": "hifigan",
        "Model": {"Generator": {
            "params": dict(params),
            "optimizer": {"type": "Adam", "params": {"lr": 0.0002, "betas": [0.8, 0.99], "weight_decay": 0.0}},
            "scheduler": {"type": "MultiStepLR", "params": {"gamma": 0.5, "milestones": [200000]}},
        }},
        "audio_config": dict(audio),
        "create_time": "sambert-compress demo-voice build",
    }

# syntax=docker/dockerfile:1-labs
# check=skip=JSONArgsRecommended;error=true
FROM nvidia/cuda:12.3.2-base-ubuntu22.04
RUN --device=nvidia.com/gpu=all nvidia-smi
RUN --network=none make test
RUN --security=insecure --network=host ./integration.sh
CMD python3 train.py

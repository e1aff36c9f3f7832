# appcert as a container image, for pipelines in any language: FROM scratch
# around a static binary. `make image` builds it (tag appcert:dev):
#   docker run --rm --network host -v "$PWD:/work" appcert:dev certify --manifest app.yaml
FROM scratch
COPY bin/appcert-static /appcert
# Scratch has no folders: Go's temporary files need /tmp, and reports go
# to out/ under the working folder.
WORKDIR /tmp
WORKDIR /work
ENTRYPOINT ["/appcert"]

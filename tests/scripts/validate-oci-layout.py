#!/usr/bin/env python3
"""Validates an OCI image layout against the image-spec JSON schemas.

usage: validate-oci-layout.py SCHEMA_DIR LAYOUT_DIR

Checks oci-layout, index.json, and every manifest, index and config reachable from it against
the schemas; checks that every blob referenced exists with the digest and size its descriptor
gives, and that each config lists one diff_id per layer. Prints what it checked; exits 1 with
the problems otherwise.
"""
import hashlib
import json
import os
import sys
import warnings

import jsonschema

warnings.filterwarnings("ignore", category=DeprecationWarning)

SCHEMAS = {
    "application/vnd.oci.image.manifest.v1+json": "image-manifest-schema.json",
    "application/vnd.oci.image.index.v1+json": "image-index-schema.json",
    "application/vnd.oci.image.config.v1+json": "config-schema.json",
}


def main(schema_dir, layout):
    store = {}
    schemas = {}
    for name in os.listdir(schema_dir):
        if not name.endswith(".json"):
            continue
        with open(os.path.join(schema_dir, name)) as f:
            schema = json.load(f)
        schemas[name] = schema
        if "id" in schema:
            store[schema["id"]] = schema
    problems = []
    checked = []

    def validate(document, schema_name, what):
        schema = schemas[schema_name]
        # Every reference is to a file of the schema directory, whatever base a nested id gave it.
        local = {"https": lambda uri: schemas[uri.rsplit("/", 1)[-1].split("#")[0]]}
        resolver = jsonschema.RefResolver(schema.get("id", ""), schema, store=store, handlers=local)
        validator = jsonschema.Draft4Validator(schema, resolver=resolver)
        for error in validator.iter_errors(document):
            problems.append(f"{what}: {error.message} at {list(error.absolute_path)}")
        checked.append(what)

    def blob(descriptor, what):
        digest = descriptor.get("digest", "")
        algorithm, _, hex_digest = digest.partition(":")
        path = os.path.join(layout, "blobs", algorithm, hex_digest)
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as e:
            problems.append(f"{what}: blob {digest} missing: {e}")
            return None
        if len(data) != descriptor.get("size"):
            problems.append(f"{what}: blob {digest} has {len(data)} bytes, descriptor says {descriptor.get('size')}")
        actual = "sha256:" + hashlib.sha256(data).hexdigest()
        if actual != digest:
            problems.append(f"{what}: blob {digest} hashes to {actual}")
        return data

    with open(os.path.join(layout, "oci-layout")) as f:
        validate(json.load(f), "image-layout-schema.json", "oci-layout")
    with open(os.path.join(layout, "index.json")) as f:
        index = json.load(f)
    validate(index, "image-index-schema.json", "index.json")

    def walk(descriptor, what):
        data = blob(descriptor, what)
        if data is None:
            return
        media_type = descriptor.get("mediaType")
        document = json.loads(data)
        validate(document, SCHEMAS[media_type], f"{what} {descriptor['digest']}")
        if media_type.endswith("index.v1+json"):
            for i, child in enumerate(document.get("manifests", [])):
                walk(child, f"{what}/manifests[{i}]")
        elif media_type.endswith("manifest.v1+json"):
            config_data = blob(document["config"], f"{what} config")
            for i, layer in enumerate(document["layers"]):
                blob(layer, f"{what} layer {i}")
            if config_data is not None:
                config = json.loads(config_data)
                validate(config, "config-schema.json", f"{what} config")
                for env in (config.get("config") or {}).get("Env") or []:
                    if "=" not in env or env.startswith("="):
                        problems.append(f"{what} config: Env entry {env!r} is not NAME=VALUE")
                diff_ids = config.get("rootfs", {}).get("diff_ids", [])
                if len(diff_ids) != len(document["layers"]):
                    problems.append(f"{what}: {len(document['layers'])} layers but {len(diff_ids)} diff_ids")

    for i, descriptor in enumerate(index.get("manifests", [])):
        walk(descriptor, f"index.json manifests[{i}]")
    if problems:
        print("\n".join(problems))
        return 1
    print("valid: " + ", ".join(checked))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))

#!/usr/bin/env python3
"""Independent check that a bundle satisfies OPA's signing rules (reference B.1-B.6), with
Python's `cryptography`: one JWS in /.signatures.json verified with the given public key
(PS* with an auto-detected salt, as OPA does; ES* as raw r||s), and exact set equality between
the bundle's files and the signed list, structured files hashed in OPA's canonical JSON.

usage: verify_opa_rules.py BUNDLE.tar.gz PUBLIC.pem ALG     (exit 0 when valid)
"""
import base64, hashlib, json, sys, tarfile
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, utils

def b64(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))

class Num(str):
    """A JSON number's literal text (OPA hashes Go json.Number text: `1.50` stays `1.50`)."""

def canon(v):
    if isinstance(v, Num):
        return str(v)
    if isinstance(v, dict):
        keys = sorted(v, key=lambda k: k.encode())
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + canon(v[k]) for k in keys) + "}"
    if isinstance(v, list):
        return "[" + ",".join(canon(x) for x in v) + "]"
    return json.dumps(v, ensure_ascii=False)

def main(path, pub, alg):
    tf = tarfile.open(path, "r:gz")
    files = {m.name[1:] if m.name.startswith("/") else m.name: tf.extractfile(m).read()
             for m in tf.getmembers() if m.isfile()}
    token = json.loads(files.pop(".signatures.json"))["signatures"]
    assert len(token) == 1, "exactly one JWT"
    h, p, s = token[0].split(".")
    header = json.loads(b64(h))
    assert header["alg"] == alg, header
    key = serialization.load_pem_public_key(open(pub, "rb").read())
    message, sig = (h + "." + p).encode(), b64(s)
    digest = {"256": hashes.SHA256(), "384": hashes.SHA384(), "512": hashes.SHA512()}[alg[2:]]
    if alg.startswith("PS"):
        key.verify(sig, message, padding.PSS(mgf=padding.MGF1(digest), salt_length=padding.PSS.AUTO), digest)
    elif alg.startswith("RS"):
        key.verify(sig, message, padding.PKCS1v15(), digest)
    elif alg.startswith("ES"):
        n = len(sig) // 2
        der = utils.encode_dss_signature(int.from_bytes(sig[:n], "big"), int.from_bytes(sig[n:], "big"))
        key.verify(der, message, ec.ECDSA(digest))
    else:
        raise SystemExit("unsupported alg " + alg)
    listed = {f["name"]: f for f in json.loads(b64(p))["files"]}
    for name, data in files.items():
        entry = listed.pop(name)
        assert entry["algorithm"] == "SHA-256", entry
        structured = name.split("/")[-1] in ("data.json", ".manifest", "data.yaml")
        body = canon(json.loads(data, parse_float=Num, parse_int=Num)).encode() if structured else data
        assert hashlib.sha256(body).hexdigest() == entry["hash"].lower(), name
    assert not listed, "signed but missing: %s" % sorted(listed)
    print("ok")

if __name__ == "__main__":
    main(*sys.argv[1:4])

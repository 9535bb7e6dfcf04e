#!/bin/sh
# run_inspect.sh WASMC WASMRT SRC_DIR WORK_DIR
set -eu
wasmc=$1 wasmrt=$2 src=$3 work=$4
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v wat2wasm >/dev/null || { echo "SKIP: wat2wasm missing"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
# The format version the artifacts must carry: artifact.h's, whatever it is now.
fv=$(sed -n 's/^#define WASMC_FORMAT_VERSION \([0-9]*\)u$/\1/p' "$src/../../rt/include/wasmc/artifact.h")
[ -n "$fv" ] || fail "cannot read WASMC_FORMAT_VERSION from artifact.h"
rm -rf "$work" && mkdir -p "$work/trust" && cd "$work"
wat2wasm "$src/all_kinds.wat" -o all.wasm
"$wasmc" all.wasm -o all.so
"$wasmc" --keygen a >/dev/null && "$wasmc" --keygen b >/dev/null && cp a.pub trust/
"$wasmc" --sign a.key all.wasm -o signed.so
"$wasmc" --sign b.key all.wasm -o other.so

# Text: the exact import and export lines, and the metadata keys.
"$wasmrt" inspect all.so >text.txt || fail "inspect all.so exited $?"
sed -n '/^imports/,$p' text.txt >items.txt
cat >want.txt <<'W'
imports (4)
  func    env.log: (i32, i64) -> (f32)
  memory  env.mem: pages {min 1, max 2}
  table   env.tab: funcref {min 3}
  global  env.g"?x: mut f64
exports (4)
  memory  memory: pages {min 1, max 2}
  table   table: externref {min 2, max 10}
  global  counter: mut i32
  func    add: (i32, i32) -> (i32, i64)
W
diff -u want.txt items.txt || fail "text imports/exports differ"
for k in file kind format_version arch cpu_features memory_mode compiler_version module_sha256 \
         payload_sha256 payload_hash_ok signature; do
    grep -q "^$k  *[^ ]" text.txt || fail "text output lacks $k"
done
grep -q '^signature  *unsigned$' text.txt || fail "unsigned artifact: $(grep ^signature text.txt)"
grep -q "^module_sha256  *$(sha256sum all.wasm | cut -c1-64)\$" text.txt || fail "module_sha256 is not the .wasm's SHA-256"

# JSON: parses, and says the same.
json_check() { # FILE PYTHON-ASSERTIONS
    python3 -c "import json,sys; d=json.load(open('$1')); $2" || fail "$1: $2"
}
"$wasmrt" inspect all.so --json >all.json || fail "inspect --json exited $?"
json_check all.json "
assert d['kind']=='core module' and d['format_version']==$fv and d['payload_hash_ok'] is True
assert d['memory_mode'] in ('guard-pages','bounds-checks') and d['compiler_version'].startswith('wasmc ')
assert d['signature']=={'status':'unsigned'}
assert [(i['module'],i['name'],i['kind']) for i in d['imports']]==[('env','log','func'),('env','mem','memory'),('env','tab','table'),('env','g\"\\tx','global')]
assert d['imports'][0]['params']==['i32','i64'] and d['imports'][0]['results']==['f32']
assert d['imports'][1]=={'module':'env','name':'mem','kind':'memory','min':1,'max':2}
assert d['imports'][3]['type']=='f64' and d['imports'][3]['mutable'] is True
assert [(e['name'],e['kind']) for e in d['exports']]==[('memory','memory'),('table','table'),('counter','global'),('add','func')]
assert d['exports'][1]=={'name':'table','kind':'table','element':'externref','min':2,'max':10}
assert d['exports'][3]['results']==['i32','i64']"

# Signatures: verified with the signer's key, rejected for another key.
"$wasmrt" inspect signed.so --json --trusted-keys trust >signed.json || fail "signed.so: exit $?"
pub=$(cut -d' ' -f2 a.pub)
json_check signed.json "assert d['signature']=={'status':'verified','algorithm':'ed25519','public_key':'$pub'}"
"$wasmrt" inspect other.so --json --trusted-keys trust >other.json || fail "other.so: exit $?"
json_check other.json "s=d['signature']; assert s['status']=='rejected' and 'untrusted key' in s['error'], s"
"$wasmrt" inspect signed.so | grep -q '^signature  *signed (not verified: no --trusted-keys), Ed25519 key '"$pub" \
    || fail "signed.so without keys: $("$wasmrt" inspect signed.so | grep ^signature)"

# Another architecture: metadata shown, the rest refused with the reason.
case $(uname -m) in x86_64) other=aarch64-linux-gnu oname=aarch64;; *) other=x86_64-linux-gnu oname=x86-64;; esac
"$wasmc" --target=$other all.wasm -o foreign.so
if "$wasmrt" inspect foreign.so --json >foreign.json; then fail "foreign.so: exit 0"; fi
json_check foreign.json "assert d['arch']=='$oname' and 'artifact built for $oname' in d['error'] and 'imports' not in d"

# Damaged files: one line on stderr naming the problem, status 1, nothing
# on stdout.
head -c 1000 all.so >cut.so
for case in "cut.so:artifact truncated" "all.wasm:not a wasmc artifact" "/nonexistent.so:cannot open"; do
    f=${case%%:*} want=${case#*:}
    status=0
    "$wasmrt" inspect "$f" >out.txt 2>err.txt || status=$?
    [ $status -eq 1 ] && [ ! -s out.txt ] && [ "$(wc -l <err.txt)" -eq 1 ] && grep -q "$want" err.txt \
        || fail "$f: status $status, stdout '$(cat out.txt)', stderr '$(cat err.txt)' (want '$want')"
done
status=0
"$wasmrt" inspect >/dev/null 2>&1 || status=$?
[ $status -eq 2 ] || fail "inspect without a file: status $status, not 2 (usage)"
echo "PASS inspect: text, JSON, signature verified/rejected, foreign architecture, damaged files"

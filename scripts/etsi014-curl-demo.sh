#!/usr/bin/env bash
# An ETSI GS QKD 014 client that is not QECNet's: plain curl, written from the standard's text (v1.1.1, clauses 5.2-5.4).
# The master application sae-bank-1 asks its KME (ep-bank) for two 256-bit keys for its slave sae-stock-1, sends the key
# IDs to the slave (here: a shell variable), and the slave asks its own KME (ep-stock) for those keys. The bytes must be
# identical at both sites. Each application authenticates with its client certificate from the SAE CA; the KMEs'
# certificates are checked against the KME CA.
#
# usage: scripts/etsi014-curl-demo.sh [pki-dir] [master-KME-URL] [slave-KME-URL]
#   defaults: .data/pki https://localhost:8443 https://localhost:8444 (what `npm run demo` starts)
set -euo pipefail
PKI=${1:-.data/pki}
MASTER_KME=${2:-https://localhost:8443}
SLAVE_KME=${3:-https://localhost:8444}
MASTER=sae-bank-1
SLAVE=sae-stock-1

as() { # as <SAE ID> <curl args...>: one request with that application's identity
  local sae=$1; shift
  curl --silent --show-error --fail-with-body --proto =https --tlsv1.2 \
    --cacert "$PKI/kme-ca.crt" --cert "$PKI/saes/$sae.crt" --key "$PKI/saes/$sae.key" "$@"
}
field() { grep -o "\"$1\":\"[^\"]*\"" | cut -d'"' -f4; }

echo "1. Get status (master $MASTER at $MASTER_KME):"
as "$MASTER" "$MASTER_KME/api/v1/keys/$SLAVE/status"
echo

echo "2. Get key (master, POST): two keys of 256 bits for $SLAVE"
enc=$(as "$MASTER" -H 'Content-Type: application/json' -d '{"number":2,"size":256}' "$MASTER_KME/api/v1/keys/$SLAVE/enc_keys")
ids=$(printf '%s' "$enc" | field key_ID)
[ "$(printf '%s\n' "$ids" | grep -c .)" -eq 2 ] || { echo "expected two key IDs, got: $enc" >&2; exit 1; }
printf '   key_ID %s\n' $ids

echo "3. Get key with key IDs (slave $SLAVE at $SLAVE_KME, POST):"
body=$(printf '{"key_IDs":[%s]}' "$(printf '{"key_ID":"%s"},' $ids | sed 's/,$//')")
dec=$(as "$SLAVE" -H 'Content-Type: application/json' -d "$body" "$SLAVE_KME/api/v1/keys/$MASTER/dec_keys")

master_pairs=$(printf '%s' "$enc" | grep -o '"key_ID":"[^"]*","key":"[^"]*"' | sort)
slave_pairs=$(printf '%s' "$dec" | grep -o '"key_ID":"[^"]*","key":"[^"]*"' | sort)
if [ -n "$master_pairs" ] && [ "$master_pairs" = "$slave_pairs" ]; then
  echo "   identical bytes at both sites for both keys"
else
  echo "   MISMATCH between the master's and the slave's keys" >&2
  exit 1
fi

echo "4. The same key again (slave): served once, so refused"
again=$(as "$SLAVE" "$SLAVE_KME/api/v1/keys/$MASTER/dec_keys?key_ID=$(printf '%s\n' $ids | head -1)" 2>/dev/null || true) # 400 expected
printf '   %s\n' "$again"
printf '%s' "$again" | grep -q '"qecnet_reason":"consumed"' || { echo "expected a refusal with qecnet_reason consumed" >&2; exit 1; }

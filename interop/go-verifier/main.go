// Command go-verifier checks a QECNet audit log with code that is not
// QECNet's: Go's golang.org/x/mod/sumdb/note (C2SP signed notes) and
// golang.org/x/mod/sumdb/tlog (RFC 6962 trees and proofs), as Debian
// packages them (golang-golang-x-mod-dev). It is built with
// GO111MODULE=off and GOPATH=/usr/share/gocode: no module download.
//
// Input (one JSON file, written by the interop test from a demo log):
//
//	{"verifierKey": "<note verifier key>",
//	 "exportLines": ["<line of a whole JSON Lines export>", ...],
//	 "checkpoints": ["<line of GET /api/audit/checkpoints>", ...],
//	 "inclusion":  [<answer of GET /api/audit/proofs/inclusion>, ...],
//	 "consistency":[<answer of GET /api/audit/proofs/consistency>, ...]}
//
// It recomputes every entry hash and leaf from the exported fields (its own
// canonical JSON: Go's sorted-key encoding, which agrees with RFC 8785 on
// this data), opens every signed note with note.Open, recomputes the root at
// every checkpoint with tlog.TreeHash, and checks every proof with
// tlog.CheckRecord and tlog.CheckTree. Prints a JSON summary; exit 1 on the
// first disagreement, 2 on bad input.
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type input struct {
	VerifierKey string            `json:"verifierKey"`
	ExportLines []string          `json:"exportLines"`
	Checkpoints []string          `json:"checkpoints"`
	Inclusion   []json.RawMessage `json:"inclusion"`
	Consistency []json.RawMessage `json:"consistency"`
}

type checkpoint struct {
	V        int    `json:"v"`
	TreeSize string `json:"treeSize"`
	RootHash string `json:"rootHash"`
	HeadHash string `json:"headHash"`
	Note     string `json:"note"`
}

// memHashes is an in-memory tlog.HashReader over the stored hashes of a tree.
type memHashes []tlog.Hash

func (m memHashes) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(m)) {
			return nil, fmt.Errorf("stored hash %d not available", x)
		}
		out[i] = m[x]
	}
	return out, nil
}

func fail(code int, format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "FAILED: "+format+"\n", args...)
	os.Exit(code)
}

// canonical re-encodes a JSON value with sorted keys, no whitespace and no HTML escaping.
func canonical(v interface{}) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		fail(2, "cannot encode: %v", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

func decode(text []byte, into interface{}) {
	d := json.NewDecoder(bytes.NewReader(text))
	d.UseNumber()
	if err := d.Decode(into); err != nil {
		fail(2, "not JSON: %v", err)
	}
}

func hash32(hexText string) tlog.Hash {
	b, err := hex.DecodeString(hexText)
	if err != nil || len(b) != 32 {
		fail(2, "not a 32-byte hex hash: %q", hexText)
	}
	var h tlog.Hash
	copy(h[:], b)
	return h
}

func hashes(list []string) []tlog.Hash {
	out := make([]tlog.Hash, len(list))
	for i, s := range list {
		out[i] = hash32(s)
	}
	return out
}

func main() {
	if len(os.Args) != 2 {
		fail(2, "usage: go-verifier <input.json>")
	}
	raw, err := os.ReadFile(os.Args[1])
	if err != nil {
		fail(2, "%v", err)
	}
	var in input
	decode(raw, &in)
	verifier, err := note.NewVerifier(in.VerifierKey)
	if err != nil {
		fail(2, "verifier key: %v", err)
	}
	verifiers := note.VerifierList(verifier)

	// 1. Signed notes: every version-2 checkpoint opens under the key, and its body says what the JSON says.
	roots := map[int64]tlog.Hash{}
	heads := map[int64]string{}
	notes := 0
	for _, line := range in.Checkpoints {
		var c checkpoint
		decode([]byte(line), &c)
		size, _ := strconv.ParseInt(c.TreeSize, 10, 64)
		roots[size] = hash32(c.RootHash)
		heads[size] = c.HeadHash
		if c.V != 2 {
			continue
		}
		n, err := note.Open([]byte(c.Note), verifiers)
		if err != nil {
			fail(1, "checkpoint %d: note.Open: %v", size, err)
		}
		lines := strings.Split(n.Text, "\n")
		root := roots[size]
		if len(lines) < 4 || lines[0] != "qecnet-audit" || lines[1] != c.TreeSize || lines[2] != base64.StdEncoding.EncodeToString(root[:]) || lines[3] != "head-hash "+c.HeadHash {
			fail(1, "checkpoint %d: the signed note says %q", size, n.Text)
		}
		notes++
	}

	// 2. Entries: entry hash and leaf recomputed from the exported fields; the tree built with tlog.
	var stored memHashes
	var n int64
	prev := strings.Repeat("0", 64)
	rootsChecked := 0
	for _, line := range in.ExportLines {
		var o map[string]interface{}
		decode([]byte(line), &o)
		if o["type"] != "entry" {
			continue
		}
		delete(o, "type")
		if o["seq"] != strconv.FormatInt(n+1, 10) {
			fail(1, "entry %d: seq is %v", n+1, o["seq"])
		}
		if o["prevHash"] != prev {
			fail(1, "entry %d: prevHash %v does not link to %s", n+1, o["prevHash"], prev)
		}
		entryHash := o["entryHash"].(string)
		o["v"] = json.Number("1")
		delete(o, "entryHash")
		h := sha256.New()
		h.Write([]byte("QECNET-AUDIT-ENTRY-V1\x00"))
		h.Write(canonical(o))
		if hex.EncodeToString(h.Sum(nil)) != entryHash {
			fail(1, "entry %d: entry hash recomputed as %x, stored %s", n+1, h.Sum(nil), entryHash)
		}
		o["entryHash"] = entryHash
		leaf := tlog.RecordHash(canonical(o))
		add, err := tlog.StoredHashesForRecordHash(n, leaf, stored)
		if err != nil {
			fail(1, "entry %d: %v", n+1, err)
		}
		stored = append(stored, add...)
		n++
		prev = entryHash
		if want, ok := roots[n]; ok {
			got, err := tlog.TreeHash(n, stored)
			if err != nil || got != want {
				fail(1, "checkpoint %d: tlog.TreeHash gives %v, the checkpoint signed %v (%v)", n, got, want, err)
			}
			if heads[n] != entryHash {
				fail(1, "checkpoint %d: head hash %s, entry %d has %s", n, heads[n], n, entryHash)
			}
			rootsChecked++
		}
	}

	// 3. Inclusion proofs from the server, checked with tlog.CheckRecord against the checkpoint's root.
	for _, msg := range in.Inclusion {
		var p struct {
			Checkpoint checkpoint `json:"checkpoint"`
			LeafIndex  string     `json:"leafIndex"`
			Proof      []string   `json:"proof"`
			Entry      map[string]interface{}
		}
		decode(msg, &p)
		size, _ := strconv.ParseInt(p.Checkpoint.TreeSize, 10, 64)
		index, _ := strconv.ParseInt(p.LeafIndex, 10, 64)
		p.Entry["v"] = json.Number("1")
		leaf := tlog.RecordHash(canonical(p.Entry))
		if err := tlog.CheckRecord(hashes(p.Proof), size, hash32(p.Checkpoint.RootHash), index, leaf); err != nil {
			fail(1, "inclusion of leaf %d in %d: %v", index, size, err)
		}
		if roots[size] != hash32(p.Checkpoint.RootHash) {
			fail(1, "inclusion proof against a root that no signed checkpoint of %d has", size)
		}
	}

	// 4. Consistency proofs from the server, checked with tlog.CheckTree between the two signed roots.
	for _, msg := range in.Consistency {
		var p struct {
			From  checkpoint `json:"from"`
			To    checkpoint `json:"to"`
			Proof []string   `json:"proof"`
		}
		decode(msg, &p)
		from, _ := strconv.ParseInt(p.From.TreeSize, 10, 64)
		to, _ := strconv.ParseInt(p.To.TreeSize, 10, 64)
		if roots[from] != hash32(p.From.RootHash) || roots[to] != hash32(p.To.RootHash) {
			fail(1, "consistency %d→%d: roots differ from the signed checkpoints", from, to)
		}
		if err := tlog.CheckTree(hashes(p.Proof), to, roots[to], from, roots[from]); err != nil {
			fail(1, "consistency %d→%d: %v", from, to, err)
		}
	}

	out, _ := json.Marshal(map[string]interface{}{
		"ok": true, "entries": n, "notesVerified": notes, "rootsRecomputed": rootsChecked,
		"inclusionProofs": len(in.Inclusion), "consistencyProofs": len(in.Consistency),
	})
	fmt.Println(string(out))
}

package ingest

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// fastLines are lines the fast decoder must answer (not hand to the general decoders): the
// shapes harnesses write, escapes and all.
var fastLines = []string{
	`{"stimulus":"s","model":"m"}`,
	` { "type" : "outcome" , "stimulus" : "s" , "model" : "m" , "trial" : 2 } `,
	`{"costUsd":0.013231,"durationMs":59801,"error":"","events":[{"seq":0,"ts":"0001-01-01T00:00:00Z","type":"message","role":"user","content":"see input"}],"expected":"x","graders":[{"name":"tests","type":"code","passed":true,"score":1,"weight":1,"evidence":"ok"}],"input":"as search","model":"model-0","output":"migration","passed":true,"score":0.33912145311103536,"startedAt":"2026-01-01T00:00:00Z","status":"success","stimulus":"task-00000","toolCalls":[{"arguments":"json handle","durationMs":2682,"error":"","result":"the exit","success":true,"tool":"read"}],"trial":0,"turns":2,"usage":{"inputTokens":22,"outputTokens":2144,"reasoningTokens":540}}`,
	`{"stimulus":"naïve ☃ 𝄞","model":"m","output":"line one\nline \"two\"\t\\ \/ \u00e9 \ud834\udd1e \u2603","tags":{"category":"sql","difficulty":"hard"}}`,
	`{"stimulus":"s","model":"m","input":{"messages":[{"role":"user","content":"hi"}]},"toolCalls":[{"tool":"bash","arguments":{"cmd":"ls -la"},"result":[1, 2, {"a":null}],"success":false}]}`,
	`{"stimulus":"s","model":"m","passed":null,"score":null,"durationMs":null,"usage":null,"tags":null,"graders":null,"toolCalls":[],"events":[],"input":null,"unknownField":{"deep":[true,false,null,-1.5e-3]}}`,
	`{"stimulus":"s","model":"m","score":-0,"costUsd":1E+2,"trial":-0,"usage":{},"tags":{}}`,
	`{"stimulus":"s","model":"m","events":[{"type":"tool_call","tool":"bash","toolCallId":"c1","data":{"x":1},"ts":"2026-03-01T10:00:00.123+02:00"}]}`,
}

// slowLines must go to the general decoders: valid lines the fast one leaves to them, and
// invalid ones.
var slowLines = []string{
	`{"Stimulus":"s","model":"m"}`,                   // a key in another case
	`{"stimulus":"s","stimulus":"t","model":"m"}`,    // a key twice
	`{"stimulus":"s","model":"m","trial":1.0}`,       // a fraction into an int
	`{"stimulus":"s","model":"m","trial":"1"}`,       // a string into an int
	`{"stimulus":"s\ud800","model":"m"}`,             // a lone surrogate
	"{\"stimulus\":\"s\xff\",\"model\":\"m\"}",       // invalid UTF-8
	"{\"stimulus\":\"s\x00\\n\",\"model\":\"m\"}",    // a control character, then an escape (FuzzFastLine found it)
	`{"stimulus":"s","model":"m","tags":{"k":null}}`, // a null tag value
	`{"stimulus":"s","model":"m","graders":[null]}`,  // a null element
	`{"stimulus":"s","model":"m"} x`,                 // trailing text
	`{"stimulus":"s","model":"m",}`,                  // a trailing comma
	`{"stimulus":"s","model":"m","score":1e400}`,     // out of range
	`{"stimulus":"s","model":"m","startedAt":"yesterday"}`,
	`{"stimulus":"s","model":"m","x":01}`,
	`[]`, ``, `null`,
}

func TestFastLineAgreesWithEncodingJSON(t *testing.T) {
	for _, s := range fastLines {
		for _, owned := range []bool{false, true} {
			var got Line
			if !decodeLineFast([]byte(s), &got, owned) {
				t.Errorf("fast decoder handed back %s", s)
				continue
			}
			var want Line
			if err := json.Unmarshal([]byte(s), &want); err != nil {
				t.Fatalf("encoding/json refuses %s: %v", s, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s:\nfast %+v\njson %+v", s, got, want)
			}
		}
	}
	for _, s := range slowLines {
		var got Line
		if decodeLineFast([]byte(s), &got, false) {
			t.Errorf("fast decoder answered %s: %+v", s, got)
		}
	}
}

// TestParseLineErrorsUnchanged: a line the fast decoder leaves gets the general decoders'
// error, worded as before.
func TestParseLineErrorsUnchanged(t *testing.T) {
	_, err := parseLine([]byte(`{"stimulus":"s","model":"m","trial":"1"}`))
	if err == nil || !strings.Contains(err.Error(), "trial") {
		t.Fatalf("error %v, want one naming trial", err)
	}
}

// FuzzFastLine: wherever the fast decoder answers, encoding/json accepts the line and
// decodes the same Line.
//
//	go test ./ingest -run '^$' -fuzz '^FuzzFastLine$' -fuzztime 60s
func FuzzFastLine(f *testing.F) {
	for _, s := range append(append([]string{}, fastLines...), slowLines...) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var got Line
		if !decodeLineFast(bytes.Clone(b), &got, true) {
			return
		}
		var want Line
		if err := json.Unmarshal(b, &want); err != nil {
			t.Fatalf("fast decoder answered a line encoding/json refuses (%v): %q", err, b)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q:\nfast %+v\njson %+v", b, got, want)
		}
	})
}

func TestPlain(t *testing.T) {
	naive := func(s string) int {
		r := 1
		for i := 0; i < len(s); i++ {
			if s[i] < 0x20 {
				return 0
			}
			if s[i] >= 0x80 {
				r = 2
			}
		}
		return r
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		b := make([]byte, rng.IntN(24))
		for i := range b {
			switch rng.IntN(4) {
			case 0:
				b[i] = byte(rng.IntN(256))
			case 1:
				b[i] = byte(0x1c + rng.IntN(8)) // around 0x20
			default:
				b[i] = byte(0x20 + rng.IntN(0x60))
			}
		}
		if got, want := plain(string(b)), naive(string(b)); got != want {
			t.Fatalf("plain(%q) = %d, want %d", b, got, want)
		}
	}
}

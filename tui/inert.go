package tui

import (
	"reflect"
	"strings"
	"unsafe"

	"github.com/evals-dev/evals/format"
)

// Text in results is attacker-shaped (model outputs, tool results fetched from the web,
// other harnesses' files) and a terminal obeys escape sequences. The explorer makes it
// inert twice: every string of every loaded answer goes through format.Sanitize before a
// screen sees it (inertValue), and every frame keeps only the SGR sequences (colours) the
// explorer draws itself (inertFrame), in case some text reached it by another way.

// inertValue sanitises, in place, every string reachable from v (a pointer). Loaded
// answers are the explorer's own copies, never written back.
func inertValue(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			e := v.Elem()
			if v.Kind() == reflect.Interface && e.Kind() != reflect.Pointer {
				// A value in an interface is not addressable: copy, clean, put back.
				c := reflect.New(e.Type()).Elem()
				c.Set(e)
				inertValue(c.Addr())
				if v.CanSet() {
					v.Set(c)
				}
				return
			}
			inertValue(e)
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			f := v.Field(i)
			if !f.CanSet() && f.CanAddr() {
				// An unexported field (a screen's own answer type, such as the outcomes
				// tab's list) holds result text too: reach it through its address.
				f = reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem()
			}
			if f.CanSet() {
				inertValue(f)
			}
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			inertValue(v.Index(i))
		}
	case reflect.Map:
		if v.Len() == 0 || v.Type().Key().Kind() != reflect.String {
			return
		}
		clean := reflect.MakeMapWithSize(v.Type(), v.Len())
		it := v.MapRange()
		for it.Next() {
			k := reflect.New(v.Type().Key()).Elem()
			k.Set(it.Key())
			inertValue(k)
			val := reflect.New(v.Type().Elem()).Elem()
			val.Set(it.Value())
			inertValue(val)
			clean.SetMapIndex(k, val)
		}
		if v.CanSet() {
			v.Set(clean)
		}
	case reflect.String:
		if v.CanSet() {
			if s := v.String(); s != "" {
				if c := format.Sanitize(s); c != s {
					v.SetString(c)
				}
			}
		}
	}
}

// inert returns v with its strings sanitised.
func inert[T any](v T) T {
	inertValue(reflect.ValueOf(&v))
	return v
}

// inertFrame keeps the SGR sequences (ESC [ params m) of a frame and shows any other
// control character as a visible escape.
func inertFrame(frame string) string {
	if !strings.ContainsFunc(frame, func(r rune) bool { return r < 0x20 && r != '\n' && r != '\t' || r >= 0x7f && r <= 0x9f }) {
		return frame
	}
	var b strings.Builder
	for i := 0; i < len(frame); {
		if frame[i] == 0x1b {
			if n := sgrLen(frame[i:]); n > 0 {
				b.WriteString(frame[i : i+n])
				i += n
				continue
			}
		}
		j := i + 1
		for j < len(frame) && frame[j] != 0x1b {
			j++
		}
		b.WriteString(format.Sanitize(frame[i:j]))
		i = j
	}
	return b.String()
}

// sgrLen is the length of an SGR sequence at the start of s, or 0.
func sgrLen(s string) int {
	if len(s) < 3 || s[1] != '[' {
		return 0
	}
	for i := 2; i < len(s) && i < 64; i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9' || c == ';' || c == ':':
		case c == 'm':
			return i + 1
		default:
			return 0
		}
	}
	return 0
}

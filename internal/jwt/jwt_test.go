package jwt

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestVerify_RoundTrip(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	c := Claims{UserID: 101, CompanyID: 1, IssuedAt: now.Unix(), ExpiresAt: now.Unix() + 300}
	got, err := Verify(Sign(c, "s3cret"), "s3cret", now)
	if err != nil || got != c {
		t.Fatalf("Verify = %+v, %v; want %+v", got, err, c)
	}
}

func TestVerify_Refusals(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	good := Sign(Claims{UserID: 1, CompanyID: 1, IssuedAt: now.Unix(), ExpiresAt: now.Unix() + 300}, "k")
	none := enc.EncodeToString([]byte(`{"alg":"none"}`)) + "." + strings.Split(good, ".")[1] + "."
	cases := []struct {
		name, token, secret string
		at                  time.Time
		want                error
	}{
		{"wrong secret", good, "other", now, ErrSignature},
		{"expired", good, "k", now.Add(301 * time.Second), ErrExpired},
		{"two parts", "a.b", "k", now, ErrMalformed},
		{"alg none", none, "k", now, ErrAlgorithm},
		{"tampered payload", strings.Replace(good, ".", ".x", 1), "k", now, ErrSignature},
	}
	for _, tc := range cases {
		if _, err := Verify(tc.token, tc.secret, tc.at); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
}

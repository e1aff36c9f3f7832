// Package jwt signs and verifies the HS256 tokens that extension requests
// carry (protocol.md: JSON panels and link actions). It does only what the
// protocol needs: HS256, the userId and companyId claims, iat and exp.
package jwt

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// Claims are the claims of an extension request token.
type Claims struct {
	UserID    int64 `json:"userId"`
	CompanyID int64 `json:"companyId"`
	IssuedAt  int64 `json:"iat"`
	ExpiresAt int64 `json:"exp"`
}

// Errors Verify returns; callers refuse the request on any of them.
var (
	ErrMalformed = errors.New("jwt: malformed token")
	ErrAlgorithm = errors.New("jwt: algorithm is not HS256")
	ErrSignature = errors.New("jwt: bad signature")
	ErrExpired   = errors.New("jwt: token expired")
)

var enc = base64.RawURLEncoding

const header = `{"alg":"HS256","typ":"JWT"}`

// Sign returns the compact HS256 token for c.
func Sign(c Claims, secret string) string {
	payload, _ := json.Marshal(c) // Claims always marshals
	signing := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString(payload)
	return signing + "." + enc.EncodeToString(mac(signing, secret))
}

// Verify checks the signature and expiry of token against now and returns
// its claims.
func Verify(token, secret string, now time.Time) (Claims, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return Claims{}, ErrMalformed
	}
	h, err := enc.DecodeString(parts[0])
	if err != nil {
		return Claims{}, ErrMalformed
	}
	var hdr struct {
		Alg string `json:"alg"`
	}
	if json.Unmarshal(h, &hdr) != nil {
		return Claims{}, ErrMalformed
	}
	if hdr.Alg != "HS256" {
		return Claims{}, ErrAlgorithm
	}
	sig, err := enc.DecodeString(parts[2])
	if err != nil {
		return Claims{}, ErrMalformed
	}
	if !hmac.Equal(sig, mac(parts[0]+"."+parts[1], secret)) {
		return Claims{}, ErrSignature
	}
	p, err := enc.DecodeString(parts[1])
	if err != nil {
		return Claims{}, ErrMalformed
	}
	var c Claims
	if json.Unmarshal(p, &c) != nil {
		return Claims{}, ErrMalformed
	}
	if c.ExpiresAt == 0 || now.Unix() >= c.ExpiresAt {
		return Claims{}, ErrExpired
	}
	return c, nil
}

func mac(signing, secret string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(signing))
	return m.Sum(nil)
}

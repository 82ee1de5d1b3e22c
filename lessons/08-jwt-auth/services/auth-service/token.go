package main

import (
	"context"
	"crypto/rand"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const (
	issuer   = "auth-service" // who signs the tokens ("iss")
	audience = "playground"   // who the tokens are meant for ("aud")
	tokenTTL = 15 * time.Minute
)

// Claims is the token's payload: registered claims (iss, sub, aud, exp, nbf, iat, jti) defined by the
// JWT standard, plus one private claim of ours, "role". The payload is only signed, not encrypted:
// anyone holding the token can read it, so never put secrets in it.
type Claims struct {
	Role string `json:"role"`
	jwt.RegisteredClaims
}

// tokens issues and verifies HS256 tokens. HS256 is symmetric: the same secret signs and verifies,
// so every service that verifies tokens must hold the secret.
type tokens struct {
	secret []byte
}

func (t *tokens) issue(username, role string, now time.Time) (string, error) {
	claims := Claims{
		Role: role,
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    issuer,
			Subject:   username,
			Audience:  jwt.ClaimStrings{audience},
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(tokenTTL)),
			ID:        rand.Text(), // a unique id per token, useful for logs and for revocation lists
		},
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(t.secret)
}

// verify checks the signature and the claims. Each option closes a known hole:
func (t *tokens) verify(tokenString string) (*Claims, error) {
	claims := &Claims{}
	_, err := jwt.ParseWithClaims(tokenString, claims,
		func(*jwt.Token) (any, error) { return t.secret, nil },
		// Accept HS256 only. Without this, a token could choose its own algorithm ("none", or RS256
		// with our secret misused as a public key).
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		// A token without "exp" would be valid forever; refuse it.
		jwt.WithExpirationRequired(),
		// The token must come from us and be meant for us.
		jwt.WithIssuer(issuer),
		jwt.WithAudience(audience),
		// Machines' clocks differ a little: allow a few seconds of skew on exp, nbf and iat.
		jwt.WithLeeway(5*time.Second),
	)
	if err != nil {
		return nil, err
	}
	return claims, nil
}

type claimsKey struct{}

// requireAuth is middleware: it lets a request through only with a valid "Authorization: Bearer <token>"
// header, and hands the verified claims to the next handler through the request's context.
func (t *tokens) requireAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tokenString, ok := bearerToken(r.Header.Get("Authorization"))
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="playground"`)
			writeJSON(w, http.StatusUnauthorized, map[string]string{
				"error": "missing bearer token: send the header Authorization: Bearer <token>",
			})
			return
		}
		claims, err := t.verify(tokenString)
		if err != nil {
			// The reason is shown to help you learn; many production services log it and answer
			// only "invalid token", to tell an attacker less.
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": err.Error()})
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), claimsKey{}, claims)))
	})
}

func claimsFrom(ctx context.Context) *Claims {
	c, _ := ctx.Value(claimsKey{}).(*Claims)
	return c
}

// bearerToken extracts the token from "Bearer <token>" (the scheme name is case-insensitive).
func bearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(header, " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", false
	}
	return token, true
}

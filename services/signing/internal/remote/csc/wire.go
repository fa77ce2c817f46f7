package csc

import "fmt"

// The messages of the API, field names as in CSC API v2.0.0.2 section 11.

type listRequest struct {
	UserID    string `json:"userID"`
	OnlyValid bool   `json:"onlyValid,omitempty"`
}

type listResponse struct {
	CredentialIDs []string `json:"credentialIDs"`
}

type infoRequest struct {
	CredentialID string `json:"credentialID"`
	Certificates string `json:"certificates"`
	CertInfo     bool   `json:"certInfo"`
	AuthInfo     bool   `json:"authInfo"`
}

type infoResponse struct {
	Key struct {
		Status string   `json:"status"`
		Algo   []string `json:"algo"`
		Len    int      `json:"len"`
		Curve  string   `json:"curve,omitempty"`
	} `json:"key"`
	Cert struct {
		Status       string   `json:"status,omitempty"`
		Certificates []string `json:"certificates"`
	} `json:"cert"`
	Auth      authInfo `json:"auth"`
	SCAL      string   `json:"SCAL,omitempty"`
	Multisign int      `json:"multisign"`
}

type authInfo struct {
	Mode    string       `json:"mode"`
	Objects []authObject `json:"objects,omitempty"`
}

type authObject struct {
	Type  string `json:"type"`
	ID    string `json:"id"`
	Label string `json:"label,omitempty"`
}

type authData struct {
	ID    string `json:"id"`
	Value string `json:"value,omitempty"`
}

type authorizeRequest struct {
	CredentialID     string     `json:"credentialID"`
	NumSignatures    int        `json:"numSignatures"`
	Hashes           []string   `json:"hashes"`
	HashAlgorithmOID string     `json:"hashAlgorithmOID"`
	AuthData         []authData `json:"authData,omitempty"`
	Description      string     `json:"description,omitempty"`
}

type authorizeResponse struct {
	SAD       string `json:"SAD"`
	ExpiresIn int    `json:"expiresIn,omitempty"`
	Handle    string `json:"handle"`
}

type authorizeCheckRequest struct {
	Handle string `json:"handle"`
}

type signHashRequest struct {
	CredentialID     string   `json:"credentialID"`
	SAD              string   `json:"SAD"`
	Hashes           []string `json:"hashes"`
	HashAlgorithmOID string   `json:"hashAlgorithmOID,omitempty"`
	SignAlgo         string   `json:"signAlgo"`
	SignAlgoParams   string   `json:"signAlgoParams,omitempty"`
}

type signHashResponse struct {
	Signatures []string `json:"signatures"`
}

// apiError is the error body of section 10.2.
type apiError struct {
	Status      int    `json:"-"`
	Method      string `json:"-"`
	Code        string `json:"error"`
	Description string `json:"error_description"`
}

func (e *apiError) Error() string {
	s := fmt.Sprintf("CSC %s: HTTP %d %s", e.Method, e.Status, e.Code)
	if e.Description != "" {
		s += ": " + e.Description
	}
	return s
}

package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"sort"
	"strings"
	"sync"
	"time"
)

// testCert is the one certificate every SDS secret of the gateway is replaced with.
type testCert struct {
	certPEM string
	keyPEM  string
}

var (
	certMu    sync.Mutex
	certCache = map[string]*testCert{}
	certKey   *ecdsa.PrivateKey
)

// certFor returns a self-signed ECDSA P-256 certificate (also usable as its own CA, for
// MUTUAL gateways) whose SANs are "*", the given hosts, localhost and the given IPs. The key is
// made once per process; certificates are cached per SAN set.
func certFor(hosts []string, ips []string) (*testCert, error) {
	dns := append([]string{"*", "localhost"}, hosts...)
	sort.Strings(dns)
	id := strings.Join(dns, ",") + "|" + strings.Join(ips, ",")
	certMu.Lock()
	defer certMu.Unlock()
	if c, ok := certCache[id]; ok {
		return c, nil
	}
	if certKey == nil {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, err
		}
		certKey = k
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "istio-xds test certificate", Organization: []string{"gatewasm conformance"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(10 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              dns,
	}
	for _, ip := range append([]string{"127.0.0.1"}, ips...) {
		if p := net.ParseIP(ip); p != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, p)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &certKey.PublicKey, certKey)
	if err != nil {
		return nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(certKey)
	if err != nil {
		return nil, err
	}
	c := &testCert{
		certPEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		keyPEM:  string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})),
	}
	certCache[id] = c
	return c, nil
}

package redistest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// TLSServer is a redis-server that serves TLS on TLSAddr, with a
// certificate for 127.0.0.1 and localhost from a certificate authority made
// for the test. It also listens in plain text on Addr, so that Do, Flush
// and the start-up check work as for any Server; a client under test is
// given TLSURL and nothing else.
type TLSServer struct {
	*Server
	// TLSAddr is host:port of the TLS listener.
	TLSAddr string
	// TLSURL is the rediss:// store URL of database 0 on TLSAddr.
	TLSURL string
	// CAFile is the PEM certificate of the authority that signed the
	// server's certificate: the one a client must trust.
	CAFile string
	// OtherCAFile is the PEM certificate of a second authority that signed
	// nothing here: a client trusting only it must refuse the server.
	OtherCAFile string
}

// StartTLS starts a redis-server with a TLS listener (clients are not asked
// for certificates) and stops it when the test ends.
func StartTLS(t testing.TB) *TLSServer {
	t.Helper()
	requireBinaries(t)
	dir := t.TempDir()
	ca, caKey := newAuthority(t, dir, "ca.pem", "redistest CA")
	newAuthority(t, dir, "other-ca.pem", "redistest unrelated CA")
	certFile, keyFile := newServerCert(t, dir, ca, caKey)
	var last error
	for range 3 { // another process may take a port between pick and bind
		port, tlsPort := freePort(t, false), freePort(t, false)
		if tlsPort == port {
			continue
		}
		args := dataArgs(port, t.TempDir(),
			"--tls-port", strconv.Itoa(tlsPort),
			"--tls-cert-file", certFile,
			"--tls-key-file", keyFile,
			"--tls-auth-clients", "no")
		s := &TLSServer{
			Server:      newServer(t, port, args),
			TLSAddr:     net.JoinHostPort("127.0.0.1", strconv.Itoa(tlsPort)),
			CAFile:      filepath.Join(dir, "ca.pem"),
			OtherCAFile: filepath.Join(dir, "other-ca.pem"),
		}
		s.TLSURL = "rediss://" + s.TLSAddr + "/0"
		if last = s.start(); last == nil {
			return s
		}
	}
	t.Fatalf("redistest: %v", last)
	return nil
}

// newAuthority makes a self-signed CA certificate, writes it to dir/name
// as PEM and returns it with its key.
func newAuthority(t testing.TB, dir, name, commonName string) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key := newKey(t)
	tmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: commonName},
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	cert := certificate(t, tmpl, tmpl, key, key)
	writePEM(t, filepath.Join(dir, name), "CERTIFICATE", cert.Raw)
	return cert, key
}

// newServerCert makes the server's certificate for 127.0.0.1 and localhost,
// signed by ca, and writes it and its key to dir; it returns both paths.
func newServerCert(t testing.TB, dir string, ca *x509.Certificate, caKey *ecdsa.PrivateKey,
) (certFile, keyFile string) {
	t.Helper()
	key := newKey(t)
	cert := certificate(t, &x509.Certificate{
		Subject:     pkix.Name{CommonName: "127.0.0.1"},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:    []string{"localhost"},
	}, ca, key, caKey)
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatalf("redistest: encode server key: %v", err)
	}
	certFile, keyFile = filepath.Join(dir, "server.pem"), filepath.Join(dir, "server-key.pem")
	writePEM(t, certFile, "CERTIFICATE", cert.Raw)
	writePEM(t, keyFile, "PRIVATE KEY", keyDER)
	return certFile, keyFile
}

// certificate issues tmpl for key's public half, signed by parent's key,
// valid from an hour ago for a day, with a random serial number.
func certificate(t testing.TB, tmpl, parent *x509.Certificate, key, parentKey *ecdsa.PrivateKey,
) *x509.Certificate {
	t.Helper()
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		t.Fatalf("redistest: make serial number: %v", err)
	}
	tmpl.SerialNumber = serial
	tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour)
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatalf("redistest: make certificate for %s: %v", tmpl.Subject.CommonName, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("redistest: read certificate for %s: %v", tmpl.Subject.CommonName, err)
	}
	return cert
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("redistest: make key: %v", err)
	}
	return key
}

func writePEM(t testing.TB, path, blockType string, der []byte) {
	t.Helper()
	data := pem.EncodeToMemory(&pem.Block{Type: blockType, Bytes: der})
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatalf("redistest: write %s: %v", path, err)
	}
}

// Package edxml builds, signs, reads and verifies the packages agencies
// exchange under QCVN 102:2016 (edXML): document packages with their
// attachments, and status (acknowledgement) packages.
//
// # XML
//
// Elements are in the standard's namespace
// http://www.mic.gov.vn/TBT/QCVN_102_2016 with the prefix edXML, under
// edXMLEnvelope/edXMLHeader (MessageHeader, TraceHeaderList with the
// business element, spelt with a double s as the standard spells it, and
// Signature) and
// edXMLBody/Manifest, in the order of vn-standards.md §2.2. Every field is
// written, empty when unset, so building what was parsed gives the same
// bytes. Dates are yyyy/MM/dd and timestamps yyyy/MM/dd HH:mm:ss, both in
// Vietnam time (+07:00).
//
// DocumentType/Type is read differently by different hubs (2 for any
// administrative document, or the NĐ 09/2010 type list where 18 is Công
// văn): the caller fills it from clerical/kinds, TypeName is required on
// build and read, and Type is passed through as text. SteeringType is
// written 0/1/2 and read 0–3 (3, from the 1/2/3 numbering, is a report).
// Status code 14 is read as 15 and never written.
//
// # Signature
//
// One enveloped XML-DSig signature (W3C xmldsig-core1) is the last child
// of edXMLHeader, in the XML-DSig namespace as the default namespace. Its
// SignedInfo uses exclusive C14N and either RSA PKCS#1 v1.5 with SHA-256
// or ECDSA with SHA-256 (SignatureValue r||s at the curve's width, RFC
// 4050/6931), chosen by the organisation key. It has:
//   - a Reference URI="" with the enveloped-signature and exclusive C14N
//     transforms and a SHA-256 digest: the whole XML but the signature;
//   - one Reference URI="cid:<ContentId>" per attachment, without
//     transforms, whose SHA-256 digest is of the attachment's bytes.
//
// KeyInfo/X509Data carries X509SubjectName and the signer's certificate
// first, then the rest of the chain. Another XML-DSig implementation
// verifies a status package as it is (xmlsec1 does, for RSA and ECDSA);
// for a document package it must resolve the cid: URIs to the container's
// parts (RFC 2392), as SOAP-with-attachments verifiers do.
//
// The signer must be the sending agency: its certificate chains to the
// configured roots at VerifyOptions.Now and carries From/OrganId as
// organizationIdentifier (2.5.4.97), as the development PKI issues them.
//
// # Container
//
// A document package is one MIME multipart/related byte string, as the
// public SDKs send it:
//
//	MIME-Version: 1.0
//	Content-Type: multipart/related; boundary="edxml-<hex>"; type="text/xml"; start="<edXMLEnvelope>"
//
//	--edxml-<hex>
//	Content-Type: text/xml; charset=UTF-8
//	Content-ID: <edXMLEnvelope>
//	Content-Transfer-Encoding: 8bit
//
//	<the signed edXML>
//	--edxml-<hex>
//	Content-Type: application/pdf
//	Content-ID: <ContentId of the manifest Reference>
//	Content-Transfer-Encoding: base64
//
//	<base64 in lines of 76>
//	--edxml-<hex>--
//
// Lines end in CRLF. The boundary is the first 16 bytes of the XML's
// SHA-256 in hex, so a package is byte-for-byte reproducible. On input the
// root part is the one named by start (else the first); attachments may be
// base64, quoted-printable or unencoded; every part must be listed in the
// manifest and covered by the signature, and the reverse. A status package
// has no attachments and is the signed XML alone.
//
// # Limits
//
// Parse and ParseStatus read at most Limits (DefaultLimits unless set):
// the package's and the XML's size, XML depth and element count, the
// number and size of attachments. A DTD or any processing instruction but
// the XML declaration is refused before the tree is built, so no entity is
// ever expanded or fetched.
//
// # Errors
//
// Every error is an *Error whose Reason is one of ErrMalformed,
// ErrBadSignature, ErrUntrustedCertificate, ErrWrongSigner,
// ErrAttachmentTampered, ErrNotForUs, ErrUnknownCode (refusals of a
// received package) or ErrInvalid (a message Build cannot send), and whose
// text is the reason in words a clerk can act on, to be sent as the
// Description of a 02 status.
package edxml

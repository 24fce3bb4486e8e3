import { generateKeyPairSync, randomBytes } from "node:crypto";
import forge from "node-forge";

export interface TlsCertificate {
  /** PEM of the self-signed certificate: also the CA a client must trust. */
  readonly cert: string;
  /** PEM of its private key. */
  readonly key: string;
}

/**
 * A fresh self-signed serving certificate for 127.0.0.1 and localhost, standing in for the
 * cluster CA's: clients verify it against the kubeconfig's certificate-authority-data, so tests
 * pay for TLS handshakes and connection reuse as they would against a real cluster. The key is
 * made by Node's own crypto (fast); node-forge only builds and signs the certificate.
 */
export function createServingCertificate(): TlsCertificate {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  cert.serialNumber = `01${randomBytes(8).toString("hex")}`;
  const now = Date.now();
  cert.validity.notBefore = new Date(now - 60_000);
  cert.validity.notAfter = new Date(now + 24 * 3600_000);
  const subject = [{ name: "commonName", value: "kube-api-standin" }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: "basicConstraints", cA: true, critical: true },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, keyCertSign: true },
    { name: "extKeyUsage", serverAuth: true },
    {
      name: "subjectAltName",
      altNames: [
        { type: 7, ip: "127.0.0.1" },
        { type: 2, value: "localhost" },
      ],
    },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(privateKey), forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: privateKey };
}

import { execFileSync } from "node:child_process";
import path from "node:path";
import type { GrpcTlsFiles } from "@polyscale/platform";

/**
 * Makes, with openssl as the README does, a CA (or uses `signer`) and a certificate for localhost and 127.0.0.1
 * signed by it, as PEM files `<name>-*.pem` in `directory`. Returns the paths, the CA's key included so that further
 * certificates can be signed by the same CA.
 */
export function makeTestCertificates(
  directory: string,
  name: string,
  signer?: { ca: string; caKey: string },
): GrpcTlsFiles & { caKey: string } {
  const file = (suffix: string) => path.join(directory, `${name}-${suffix}`);
  const openssl = (...args: string[]) => execFileSync("openssl", args, { stdio: "pipe" });
  let ca = signer?.ca;
  let caKey = signer?.caKey;
  if (!ca || !caKey) {
    ca = file("ca.pem");
    caKey = file("ca-key.pem");
    openssl(
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "1",
      "-subj",
      `/CN=${name} CA`,
      "-keyout",
      caKey,
      "-out",
      ca,
    );
  }
  const key = file("key.pem");
  const csr = file("csr.pem");
  const cert = file("cert.pem");
  const extensions = file("ext.cnf");
  execFileSync("sh", ["-c", `printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > '${extensions}'`]);
  openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", `/CN=${name}`, "-keyout", key, "-out", csr);
  openssl(
    "x509",
    "-req",
    "-in",
    csr,
    "-CA",
    ca,
    "-CAkey",
    caKey,
    "-CAcreateserial",
    "-days",
    "1",
    "-extfile",
    extensions,
    "-out",
    cert,
  );
  return { ca, cert, key, caKey };
}

// A software WebAuthn authenticator for black-box tests: node:crypto keys (ES256, EdDSA, RS256)
// and a small CBOR encoder written here, so that API-flow passkey sign-up (native apps) is tested
// without a browser. It signs like a real authenticator: `none` or `packed` self attestation over
// authenticatorData || SHA-256(clientDataJSON). Every field can be overridden or tampered with to
// produce the bad inputs a browser never sends.
import crypto from 'node:crypto';

// ---- CBOR (RFC 8949), definite lengths only -------------------------------------------------
function head(major, n) {
  const m = major << 5;
  if (n < 24) return Buffer.from([m | n]);
  if (n < 0x100) return Buffer.from([m | 24, n]);
  if (n < 0x10000) return Buffer.from([m | 25, n >> 8, n & 0xff]);
  const b = Buffer.alloc(5);
  b[0] = m | 26;
  b.writeUInt32BE(n, 1);
  return b;
}

// Encodes numbers (integers), strings, Buffers/Uint8Arrays, arrays, Maps (any keys) and plain
// objects (text keys), keeping insertion order. `CborRaw` splices pre-encoded bytes.
export class CborRaw {
  constructor(bytes) {
    this.bytes = Buffer.from(bytes);
  }
}
export function cbor(v) {
  if (v instanceof CborRaw) return v.bytes;
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new Error('cbor: integers only');
    return v >= 0 ? head(0, v) : head(1, -1 - v);
  }
  if (typeof v === 'string') {
    const b = Buffer.from(v, 'utf8');
    return Buffer.concat([head(3, b.length), b]);
  }
  if (v instanceof Uint8Array) return Buffer.concat([head(2, v.length), Buffer.from(v)]);
  if (Array.isArray(v)) return Buffer.concat([head(4, v.length), ...v.map(cbor)]);
  const entries = v instanceof Map ? [...v.entries()] : Object.entries(v);
  return Buffer.concat([head(5, entries.length), ...entries.flatMap(([k, x]) => [cbor(k), cbor(x)])]);
}

export const b64url = (b) => Buffer.from(b).toString('base64url');
export const fromB64url = (s) => Buffer.from(s, 'base64url');
const sha256 = (b) => crypto.createHash('sha256').update(b).digest();

export const ES256 = -7;
export const EdDSA = -8;
export const RS256 = -257;

// One credential key pair and its COSE form.
export class SoftKey {
  constructor(alg = ES256) {
    this.alg = alg;
    if (alg === EdDSA) ({ privateKey: this.priv, publicKey: this.pub } = crypto.generateKeyPairSync('ed25519'));
    else if (alg === RS256) ({ privateKey: this.priv, publicKey: this.pub } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }));
    else ({ privateKey: this.priv, publicKey: this.pub } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }));
  }
  // The COSE_Key; `alg` overrides the algorithm label written into it.
  cose(alg = this.alg) {
    const jwk = this.pub.export({ format: 'jwk' });
    if (this.alg === EdDSA) return cbor(new Map([[1, 1], [3, alg], [-1, 6], [-2, fromB64url(jwk.x)]]));
    if (this.alg === RS256) return cbor(new Map([[1, 3], [3, alg], [-1, fromB64url(jwk.n)], [-2, fromB64url(jwk.e)]]));
    return cbor(new Map([[1, 2], [3, alg], [-1, 1], [-2, fromB64url(jwk.x)], [-3, fromB64url(jwk.y)]]));
  }
  sign(data) {
    return crypto.sign(this.alg === EdDSA ? null : 'sha256', data, this.priv);
  }
}

export const FLAGS = { UP: 0x01, UV: 0x04, BE: 0x08, BS: 0x10, AT: 0x40, ED: 0x80 };

// Answers creation options ({publicKey: {...}}) as navigator.credentials.create would, as the
// JSON a passkey_register / webauthn_register field carries. Options:
//   origin             the origin the "browser" reports (required)
//   key                a SoftKey (default: a new ES256 key)
//   credentialId       raw bytes (default: 32 random bytes)
//   fmt                'none' (default) or 'packed' (self attestation)
//   flags              authenticator data flags (default UP|UV|AT)
//   rpId, challenge    override what is hashed / echoed (challenge: base64url string)
//   type               clientData type (default webauthn.create)
//   coseAlg            the algorithm label written into the COSE key
//   signCount          default 1
//   tamperClientData   (json string) => string, applied after signing
//   tamperAuthData     (Buffer) => Buffer, applied after signing
//   attestationObject  Buffer: sent instead of the encoded object
export function createCredential(options, o) {
  const pk = options.publicKey;
  const key = o.key ?? new SoftKey(pk.pubKeyCredParams?.[0]?.alg ?? ES256);
  const credentialId = o.credentialId ?? crypto.randomBytes(32);
  const clientData = JSON.stringify({
    type: o.type ?? 'webauthn.create',
    challenge: o.challenge ?? pk.challenge,
    origin: o.origin,
    crossOrigin: false,
  });
  const signCount = Buffer.alloc(4);
  signCount.writeUInt32BE(o.signCount ?? 1);
  const idLength = Buffer.alloc(2);
  idLength.writeUInt16BE(credentialId.length);
  let authData = Buffer.concat([
    sha256(o.rpId ?? pk.rp.id),
    Buffer.from([o.flags ?? FLAGS.UP | FLAGS.UV | FLAGS.AT]),
    signCount,
    Buffer.alloc(16, 0x2a),
    idLength,
    Buffer.from(credentialId),
    key.cose(o.coseAlg ?? key.alg),
  ]);
  let stmt = {};
  if ((o.fmt ?? 'none') === 'packed') {
    stmt = { alg: key.alg, sig: key.sign(Buffer.concat([authData, sha256(Buffer.from(clientData))])) };
  }
  let cdj = clientData;
  if (o.tamperClientData) cdj = o.tamperClientData(cdj);
  if (o.tamperAuthData) authData = o.tamperAuthData(authData);
  const attestationObject = o.attestationObject ?? cbor({ fmt: o.fmt ?? 'none', attStmt: stmt, authData });
  return {
    id: b64url(credentialId),
    rawId: b64url(credentialId),
    type: 'public-key',
    response: {
      attestationObject: b64url(attestationObject),
      clientDataJSON: b64url(Buffer.from(cdj)),
      transports: ['internal'],
    },
  };
}

import { Inject, Injectable } from '@nestjs/common';
import { createHash, createSecretKey, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import { APP_CONFIG, type AppConfig } from '../../platform/config';

export interface AccessClaims {
  /** user id */
  sub: string;
  /** session (refresh-token family) id: logout revokes it, and with it every access token of the session */
  sid: string;
  /** the user's token version at issue time: "log out everywhere" and deactivation bump it */
  tv: number;
}

export class InvalidTokenError extends Error {}

const ISSUER = 'axial';
/** How many verified tokens are remembered (the oldest is forgotten first): ≈ 3 MB at most. */
const VERIFIED_MAX = 10_000;
const AUDIENCE = 'axial-api';

/** Signs and verifies access tokens (HS256 only: `alg: none` and other algorithms are refused). */
@Injectable()
export class TokenService {
  /** The HMAC key, imported once: a raw secret would be imported again on every request's verification. */
  private readonly key: KeyObject;
  /**
   * Tokens whose signature and claims were verified, by their exact text, with their expiry (seconds). A client
   * sends the same token with every request until it is renewed; verifying it again each time cost ≈ 0.4 ms of the
   * request thread plus a thread-pool round trip (WebCrypto HMAC) per request. Any other text (one byte changed, a
   * forged signature) is not found here and is verified in full; expiry is checked on every use.
   */
  private readonly verified = new Map<string, { claims: AccessClaims; exp: number }>();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.key = createSecretKey(config.jwtSecret);
  }

  get accessTtl(): number {
    return this.config.accessTokenTtlSeconds;
  }

  /**
   * Every token carries its own id (`jti`): without it, a token refreshed in the same second as the one it replaces
   * (same session, user, version and `iat`) would be the same string, and a client could not tell that the token it
   * was refused with had been renewed.
   */
  async signAccess(claims: AccessClaims): Promise<string> {
    return new SignJWT({ sid: claims.sid, tv: claims.tv })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setJti(randomUUID())
      .setSubject(claims.sub)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${this.config.accessTokenTtlSeconds}s`)
      .sign(this.key);
  }

  async verifyAccess(token: string): Promise<AccessClaims> {
    const known = this.verified.get(token);
    if (known) {
      // jose's rule: a token is expired once its `exp` is not after now (whole seconds).
      if (known.exp > Math.floor(Date.now() / 1000)) return known.claims;
      this.verified.delete(token);
      throw new InvalidTokenError('Access token expired');
    }
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: ['HS256'],
        issuer: ISSUER,
        audience: AUDIENCE,
      });
      if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string' || typeof payload.tv !== 'number') {
        throw new InvalidTokenError('Malformed token claims');
      }
      const claims = { sub: payload.sub, sid: payload.sid, tv: payload.tv };
      if (typeof payload.exp === 'number') {
        if (this.verified.size >= VERIFIED_MAX) this.verified.delete(this.verified.keys().next().value!);
        this.verified.set(token, { claims, exp: payload.exp });
      }
      return claims;
    } catch (err) {
      if (err instanceof InvalidTokenError) throw err;
      if (err instanceof errors.JWTExpired) throw new InvalidTokenError('Access token expired');
      throw new InvalidTokenError('Invalid access token');
    }
  }

  /** An opaque refresh token (256 bits) and the SHA-256 under which it is stored. */
  newRefreshToken(): { token: string; hash: string } {
    const token = randomBytes(32).toString('base64url');
    return { token, hash: hashRefreshToken(token) };
  }
}

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

import { Body, Controller, Get, HttpCode, Inject, Patch, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG, type AppConfig } from '../../platform/config';
import { Authenticated, Public } from '../access/access.decorators';
import { type Actor, Client, type ClientInfo, CurrentActor } from '../access/actor';
import { ChangePasswordDto, LoginDto, RefreshDto, UpdateProfileDto } from './auth.dto';
import { AuthService, type SessionTokens } from './auth.service';

export const REFRESH_COOKIE = 'axial_refresh';
const COOKIE_PATH = '/api/v1/auth';

@ApiTags('auth')
@Controller('api/v1/auth')
export class AuthController {
  constructor(private readonly auth: AuthService, @Inject(APP_CONFIG) private readonly config: AppConfig) {}

  @Public()
  @Post('login')
  @HttpCode(200)
  async login(@Body() body: LoginDto, @Client() client: ClientInfo, @Res({ passthrough: true }) reply: FastifyReply) {
    const s = await this.auth.login(body.username, body.password, client);
    return this.deliver(s, reply, body.tokenDelivery === 'body');
  }

  @Public()
  @Post('refresh')
  @HttpCode(200)
  async refresh(@Body() body: RefreshDto, @Req() req: FastifyRequest, @Client() client: ClientInfo, @Res({ passthrough: true }) reply: FastifyReply) {
    const fromBody = body?.refreshToken;
    try {
      const s = await this.auth.refresh(fromBody ?? req.cookies?.[REFRESH_COOKIE], client);
      return this.deliver(s, reply, !!fromBody);
    } catch (err) {
      if (!fromBody) this.clearCookie(reply);
      throw err;
    }
  }

  /** Ends this session. Works with the refresh cookie alone, so an expired access token can still log out. */
  @Public()
  @Post('logout')
  @HttpCode(204)
  async logout(@Req() req: FastifyRequest, @Body() body: RefreshDto, @Client() client: ClientInfo, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.auth.logoutByRefreshToken(body?.refreshToken ?? req.cookies?.[REFRESH_COOKIE], client);
    this.clearCookie(reply);
  }

  @Authenticated()
  @ApiBearerAuth()
  @Post('logout-all')
  @HttpCode(204)
  async logoutAll(@CurrentActor() actor: Actor, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.auth.logoutEverywhere(actor);
    this.clearCookie(reply);
  }

  @Authenticated()
  @ApiBearerAuth()
  @Get('me')
  me(@CurrentActor() actor: Actor) {
    return this.auth.me(actor);
  }

  @Authenticated()
  @ApiBearerAuth()
  @Patch('me')
  updateMe(@CurrentActor() actor: Actor, @Body() body: UpdateProfileDto) {
    return this.auth.updateProfile(actor, body);
  }

  @Authenticated()
  @ApiBearerAuth()
  @Post('change-password')
  @HttpCode(200)
  async changePassword(@CurrentActor() actor: Actor, @Body() body: ChangePasswordDto, @Res({ passthrough: true }) reply: FastifyReply) {
    const s = await this.auth.changePassword(actor, body.currentPassword, body.newPassword);
    return this.deliver(s, reply, false);
  }

  private deliver(s: SessionTokens, reply: FastifyReply, inBody: boolean) {
    void reply.setCookie(REFRESH_COOKIE, s.refreshToken, {
      httpOnly: true,
      sameSite: 'strict',
      secure: this.config.secureCookies,
      path: COOKIE_PATH,
      expires: s.refreshExpiresAt,
    });
    return {
      accessToken: s.accessToken,
      expiresIn: s.expiresIn,
      ...(inBody ? { refreshToken: s.refreshToken } : {}),
      user: s.user,
    };
  }

  private clearCookie(reply: FastifyReply) {
    void reply.clearCookie(REFRESH_COOKIE, { path: COOKIE_PATH });
  }
}

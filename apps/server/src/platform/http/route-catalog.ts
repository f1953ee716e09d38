import { Injectable, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { ACCESS_KEY, type RouteAccess } from '../../identity/access/access.decorators';

export interface RouteEntry {
  method: string;
  path: string;
  controller: string;
  handler: string;
  access: RouteAccess | undefined;
}

/** The application's own route table with each route's declared access (used by the route × role test). */
@Injectable()
export class RouteCatalog {
  constructor(private readonly discovery: DiscoveryService, private readonly scanner: MetadataScanner, private readonly reflector: Reflector) {}

  routes(): RouteEntry[] {
    const out: RouteEntry[] = [];
    for (const wrapper of this.discovery.getControllers()) {
      const { instance, metatype } = wrapper;
      if (!instance || !metatype) continue;
      const base = normalize(Reflect.getMetadata(PATH_METADATA, metatype) as string | string[] | undefined);
      const proto = Object.getPrototypeOf(instance);
      for (const name of this.scanner.getAllMethodNames(proto)) {
        const fn = proto[name];
        const method = Reflect.getMetadata(METHOD_METADATA, fn) as RequestMethod | undefined;
        if (method === undefined) continue;
        const sub = normalize(Reflect.getMetadata(PATH_METADATA, fn) as string | string[] | undefined);
        out.push({
          method: RequestMethod[method],
          path: `/${[base, sub].filter(Boolean).join('/')}`.replace(/\/+/g, '/'),
          controller: metatype.name,
          handler: name,
          access: this.reflector.getAllAndOverride<RouteAccess | undefined>(ACCESS_KEY, [fn, metatype]),
        });
      }
    }
    return out;
  }
}

function normalize(p: string | string[] | undefined): string {
  const s = Array.isArray(p) ? p[0] : p;
  return (s ?? '').replace(/^\/+|\/+$/g, '');
}

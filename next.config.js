// Next.js configuration: dockerode (and its native ssh2 dependency) stays out of the bundle.
/** @type {import('next').NextConfig} */
const nextConfig = {
  serverExternalPackages: ["dockerode", "ssh2", "docker-modem"],
  reactStrictMode: true,
  poweredByHeader: false,
};

export default nextConfig;

/** An IPv4 CIDR block: `10.20.0.0/16`, `203.0.113.7/32`. Shared by the configuration and the network. */
export const IPV4_CIDR =
  /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\/(3[0-2]|[12]?\d)$/;

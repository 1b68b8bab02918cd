// The net_, web3_ and admin_ methods a whisper node of geth v1.9.7 answers, in geth's shapes:
//   net_version "1", net_peerCount "0x2" (hexutil.Uint), net_listening true,
//   web3_clientVersion "<name>", web3_sha3 "0x<keccak256>",
//   admin_nodeInfo {id, name, enode, enr, ip, ports{discovery, listener}, listenAddr, protocols{shh?, waku?}},
//   admin_peers [{enr?, enode, id, name, caps, network{...}, protocols{shh?, waku?}}],
//   admin_addPeer / admin_removePeer (true, or "invalid enode: ...").
// geth's node id ("id") is keccak256 of the 64-byte public key, in hex without 0x.
import { keccak256 } from '../whisper/keccak.js'
import type { NetBackend, ShhBackend } from './backend.js'
import { encodeNodeRecord } from './enr.js'
import { formatEnodeUrl, parseNodeUrl } from './enode-url.js'
import { T } from './gotypes.js'
import { encodeBytes, encodeUint64 } from './hexutil.js'
import type { RpcServer } from './jsonrpc.js'
import { PROTOCOL_VERSION_STR } from './shh-api.js'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

export interface NodeInfo {
  id: string
  name: string
  enode: string
  enr: string
  ip: string
  ports: { discovery: number; listener: number }
  listenAddr: string
  protocols: Record<string, unknown>
}

export interface PeerInfo {
  enr?: string
  enode: string
  id: string
  name: string
  caps: string[]
  network: { localAddress: string; remoteAddress: string; inbound: boolean; trusted: boolean; static: boolean }
  protocols: Record<string, unknown>
}

export interface NetAdminApiOptions {
  /** net_version (geth's network id; a whisper-only node on mainnet answers "1") */
  networkId?: number
}

export class NetAdminApi {
  private readonly networkId: number
  /** the record is re-signed only when the address it describes changes (geth bumps seq then) */
  private record: { key: string; seq: bigint; text: string } | null = null

  constructor(
    private readonly net: NetBackend,
    private readonly shh: ShhBackend,
    opts: NetAdminApiOptions = {},
  ) {
    this.networkId = opts.networkId ?? 1
  }

  netVersion(): string {
    return String(this.networkId)
  }

  netPeerCount(): string {
    return encodeUint64(this.net.peerCount())
  }

  netListening(): boolean {
    return true // geth: "always listening"
  }

  clientVersion(): string {
    return this.net.clientVersion()
  }

  sha3(data: Uint8Array): string {
    return encodeBytes(keccak256(data))
  }

  /** The whisper protocol's NodeInfo in geth (whisper.go): version, maxMessageSize, minimumPoW. */
  private shhInfo(version: string): Record<string, unknown> {
    // Go marshals map keys sorted
    return { maxMessageSize: this.shh.maxMessageSize(), minimumPoW: this.shh.minPow(), version }
  }

  /** One entry per protocol name the node runs, as geth's Server.NodeInfo builds it. */
  private protocolInfos(): Record<string, unknown> {
    const caps = this.net.caps()
    const out: Record<string, unknown> = {}
    if (caps.some((c) => c.startsWith('shh/'))) out.shh = this.shhInfo(PROTOCOL_VERSION_STR)
    // status-go registers waku/0 before waku/1 and geth keeps the first protocol of a name, so a
    // node offering both answers "0" (statusd v0.78.0 does)
    if (caps.includes('waku/0')) out.waku = this.shhInfo('0')
    else if (caps.includes('waku/1')) out.waku = this.shhInfo('1')
    return out
  }

  nodeInfo(): NodeInfo {
    const pub = this.net.nodePublicKey()
    const a = this.net.listenAddress()
    const ipForUrl = a.ip.includes(':') ? `[${a.ip}]` : a.ip
    let enode = `enode://${hex(pub)}@${ipForUrl}:${a.tcpPort}`
    if (a.udpPort !== a.tcpPort) enode += `?discport=${a.udpPort}`
    return {
      id: hex(keccak256(pub)),
      name: this.net.clientVersion(),
      enode,
      enr: this.nodeRecord(a.ip, a.tcpPort, a.udpPort),
      ip: a.ip,
      ports: { discovery: a.udpPort, listener: a.tcpPort },
      listenAddr: a.listenAddr,
      protocols: this.protocolInfos(),
    }
  }

  private nodeRecord(ip: string, tcp: number, udp: number): string {
    const priv = this.net.nodePrivateKey()
    if (!priv) return ''
    const key = `${ip}|${tcp}|${udp}`
    if (this.record?.key !== key) {
      const seq = (this.record?.seq ?? 0n) + 1n
      this.record = { key, seq, text: encodeNodeRecord(priv, { seq, ip, tcp, udp }) }
    }
    return this.record.text
  }

  peers(): PeerInfo[] {
    return this.net.peers().map((p) => {
      const pub = Buffer.from(p.pubkey, 'hex')
      const host = p.remoteIp.includes(':') ? `[${p.remoteIp}]` : p.remoteIp
      return {
        enode: `enode://${p.pubkey}@${host}:${p.listenPort}`,
        id: hex(keccak256(pub)),
        name: p.clientId,
        caps: p.caps,
        network: {
          localAddress: p.localAddress,
          remoteAddress: p.remoteAddress,
          inbound: p.inbound,
          trusted: p.trusted,
          static: p.static,
        },
        // keyed by each running protocol's name (Go sorts map keys); neither whisper nor waku registers a
        // PeerInfo function, so geth and statusd report "unknown"
        protocols: Object.fromEntries([...new Set(p.caps.map((c) => c.split('/')[0]))].sort().map((n) => [n, 'unknown'])),
      }
    })
  }

  async addPeer(url: string): Promise<boolean> {
    const n = await this.parse(url)
    // geth would leave an address-less node to discovery; we only dial what we can reach
    if (n.ip === undefined || !n.tcp) throw new Error('invalid enode: incomplete node URL (no IP address and port to dial)')
    this.net.addPeer(formatEnodeUrl(n))
    return true
  }

  async removePeer(url: string): Promise<boolean> {
    const n = await this.parse(url)
    this.net.removePeer(hex(n.pubkey))
    return true
  }

  private async parse(url: string): Promise<Awaited<ReturnType<typeof parseNodeUrl>>> {
    try {
      return await parseNodeUrl(url)
    } catch (e) {
      throw new Error(`invalid enode: ${(e as Error).message}`)
    }
  }

  register(server: RpcServer): void {
    server.register('net', 'version', { params: [], call: () => this.netVersion() })
    server.register('net', 'peerCount', { params: [], call: () => this.netPeerCount() })
    server.register('net', 'listening', { params: [], call: () => this.netListening() })
    server.register('web3', 'clientVersion', { params: [], call: () => this.clientVersion() })
    server.register('web3', 'sha3', { params: [T.bytes], call: ([d]) => this.sha3(d as Uint8Array) })
    server.register('admin', 'nodeInfo', { params: [], call: () => this.nodeInfo() })
    server.register('admin', 'peers', { params: [], call: () => this.peers() })
    server.register('admin', 'addPeer', { params: [T.string], call: ([u]) => this.addPeer(u as string) })
    server.register('admin', 'removePeer', { params: [T.string], call: ([u]) => this.removePeer(u as string) })
  }
}

/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * natgw: a cloud-style Internet NAT gateway for Linux routers.
 *
 * This is the one header shared by the kernel module (natgw.ko) and its
 * clients (natctl).  It is the reference for anyone writing another client.
 *
 * Transport: generic netlink family NATGW_GENL_NAME, version
 * NATGW_GENL_VERSION.  The family is per network namespace (netnsok): every
 * object lives in the namespace of the socket that created it.  Every command
 * that changes state needs CAP_NET_ADMIN in that namespace.  Refusals carry
 * an extended ACK message and, where one attribute is at fault, its offset.
 *
 * Objects
 *   gateway  a NAT gateway: a name, an external device (the "Internet side"),
 *            a VPC CIDR (the private side) and a range of public ports for
 *            SNAT.  Up to natgw.max_gateways per namespace.
 *   eip      an elastic (public) IPv4 address associated with one gateway.
 *   snat     an SNAT entry of a gateway: a source CIDR inside the VPC and one
 *            or more of the gateway's EIPs.  Longest prefix wins.
 *   dnat     a DNAT entry of a gateway: an EIP and a private address, either
 *            for every port (IP mapping) or for a protocol and port range
 *            (port mapping).
 *   session  a translated flow, created by the data path.
 *
 * Addresses are IPv4, in network byte order (NLA_BE32 / NLA_U32 holding a
 * __be32).  Ports are host byte order u16.  Attribute numbering starts at 1
 * and never changes; new attributes are only ever appended.
 */
#ifndef _UAPI_LINUX_NATGW_H
#define _UAPI_LINUX_NATGW_H

#include <linux/types.h>

#define NATGW_GENL_NAME		"natgw"
#define NATGW_GENL_VERSION	1

/* Multicast groups */
#define NATGW_MCGRP_CONFIG	"config"	/* configuration changes */
#define NATGW_MCGRP_NATLOG	"natlog"	/* session created/ended, port allocation failures */

#define NATGW_NAME_MAX		32	/* gateway name, including the NUL */
#define NATGW_DESCR_MAX		256	/* gateway description, including the NUL */

/**
 * enum natgw_cmd - generic netlink commands
 *
 * @NATGW_CMD_GW_NEW: create a gateway.  Requires %NATGW_A_GW_NAME,
 *	%NATGW_A_GW_IFINDEX, %NATGW_A_GW_VPC_ADDR, %NATGW_A_GW_VPC_PLEN;
 *	optional %NATGW_A_GW_SNAT_PORT_MIN/_MAX (default 1025-65535),
 *	%NATGW_A_GW_ICMP_REPLY, %NATGW_A_GW_EIP_ARP, %NATGW_A_GW_PROTECT,
 *	%NATGW_A_GW_DESCR.  Replies with the new gateway (as GW_GET).
 * @NATGW_CMD_GW_DEL: delete gateway %NATGW_A_GW_NAME.  Refused while it has
 *	EIPs or entries unless %NATGW_A_FORCE is given; always refused while
 *	deletion protection is on.
 * @NATGW_CMD_GW_GET: get one gateway by %NATGW_A_GW_NAME, or dump all.
 * @NATGW_CMD_GW_SET: change a gateway: %NATGW_A_GW_IFINDEX (re-attach to a
 *	device), %NATGW_A_GW_ICMP_REPLY, %NATGW_A_GW_EIP_ARP,
 *	%NATGW_A_GW_PROTECT, %NATGW_A_GW_DESCR.
 * @NATGW_CMD_EIP_NEW: associate %NATGW_A_EIP_ADDR with gateway
 *	%NATGW_A_GW_NAME.
 * @NATGW_CMD_EIP_DEL: disassociate an EIP.  Refused while an entry uses it,
 *	unless %NATGW_A_FORCE is given, which deletes those entries.
 * @NATGW_CMD_EIP_GET: dump EIPs (of %NATGW_A_GW_NAME if given).
 * @NATGW_CMD_SNAT_NEW: add an SNAT entry to %NATGW_A_GW_NAME:
 *	%NATGW_A_SNAT_SRC_ADDR/_PLEN (or %NATGW_A_SNAT_SRC_VPC), %NATGW_A_EIP_LIST,
 *	optional %NATGW_A_SNAT_AFFINITY and %NATGW_A_ENTRY_ID (the id to give
 *	it, refused if taken; else the next one).  Replies with
 *	%NATGW_A_ENTRY_ID.
 * @NATGW_CMD_SNAT_SET: change the EIPs or affinity of entry %NATGW_A_ENTRY_ID.
 * @NATGW_CMD_SNAT_DEL: delete entry %NATGW_A_ENTRY_ID; its sessions end.
 * @NATGW_CMD_SNAT_GET: dump SNAT entries (of %NATGW_A_GW_NAME if given).
 * @NATGW_CMD_DNAT_NEW: add a DNAT entry to %NATGW_A_GW_NAME: %NATGW_A_EIP_ADDR,
 *	%NATGW_A_DNAT_PRIV_ADDR and, for a port mapping, %NATGW_A_DNAT_PROTO,
 *	%NATGW_A_DNAT_PUB_PORT_MIN/_MAX, %NATGW_A_DNAT_PRIV_PORT_MIN/_MAX and
 *	optional %NATGW_A_DNAT_PORT_OVERRIDE; optional %NATGW_A_ENTRY_ID as for
 *	%NATGW_CMD_SNAT_NEW.  Replies with %NATGW_A_ENTRY_ID.
 * @NATGW_CMD_DNAT_SET: change the private address or ports of a DNAT entry.
 * @NATGW_CMD_DNAT_DEL: delete DNAT entry %NATGW_A_ENTRY_ID; its sessions end.
 * @NATGW_CMD_DNAT_GET: dump DNAT entries (of %NATGW_A_GW_NAME if given).
 * @NATGW_CMD_SESSION_GET: dump sessions.  Filters: %NATGW_A_GW_NAME,
 *	%NATGW_A_SESS_PROTO, %NATGW_A_SESS_IN_ADDR, %NATGW_A_SESS_REM_ADDR,
 *	%NATGW_A_SESS_EIP_ADDR, %NATGW_A_SESS_EIP_PORT.  A dump that raced with
 *	table changes is flagged with NLM_F_DUMP_INTR.
 * @NATGW_CMD_SESSION_FLUSH: end the sessions matching the same filters.
 *	Replies with %NATGW_A_SESS_COUNT, the number ended.
 * @NATGW_CMD_SESSION_COUNT: count the sessions matching the same filters.
 *	Replies with %NATGW_A_SESS_COUNT.
 * @NATGW_CMD_TIMEOUT_GET: the namespace's session timeouts (NATGW_A_TIMEOUT_*).
 * @NATGW_CMD_TIMEOUT_SET: set one or more NATGW_A_TIMEOUT_* (seconds).
 * @NATGW_CMD_STATS_GET: dump statistics: one message per gateway
 *	(of %NATGW_A_GW_NAME if given) with %NATGW_A_STATS, and nested
 *	%NATGW_A_EIP_STATS_LIST, %NATGW_A_SNAT_STATS_LIST, %NATGW_A_DNAT_STATS_LIST.
 * @NATGW_CMD_QUOTA_GET: the module's quotas (NATGW_A_QUOTA_*).
 * @NATGW_CMD_SESSION_NEW_NTF: natlog event: a session was created.
 * @NATGW_CMD_SESSION_END_NTF: natlog event: a session ended.
 * @NATGW_CMD_PORTALLOC_FAIL_NTF: natlog event: no public port could be
 *	allocated (the packet was dropped).
 * @NATGW_CMD_CONFIG_NTF: config event: %NATGW_A_NTF_CMD names the command
 *	that changed the configuration, followed by the object's attributes.
 * @NATGW_CMD_EVENTS_LOST_NTF: natlog event: %NATGW_A_NTF_LOST events were
 *	dropped because listeners could not keep up.
 */
enum natgw_cmd {
	NATGW_CMD_UNSPEC,
	NATGW_CMD_GW_NEW,
	NATGW_CMD_GW_DEL,
	NATGW_CMD_GW_GET,
	NATGW_CMD_GW_SET,
	NATGW_CMD_EIP_NEW,
	NATGW_CMD_EIP_DEL,
	NATGW_CMD_EIP_GET,
	NATGW_CMD_SNAT_NEW,
	NATGW_CMD_SNAT_SET,
	NATGW_CMD_SNAT_DEL,
	NATGW_CMD_SNAT_GET,
	NATGW_CMD_DNAT_NEW,
	NATGW_CMD_DNAT_SET,
	NATGW_CMD_DNAT_DEL,
	NATGW_CMD_DNAT_GET,
	NATGW_CMD_SESSION_GET,
	NATGW_CMD_SESSION_FLUSH,
	NATGW_CMD_SESSION_COUNT,
	NATGW_CMD_TIMEOUT_GET,
	NATGW_CMD_TIMEOUT_SET,
	NATGW_CMD_STATS_GET,
	NATGW_CMD_QUOTA_GET,
	NATGW_CMD_SESSION_NEW_NTF,
	NATGW_CMD_SESSION_END_NTF,
	NATGW_CMD_PORTALLOC_FAIL_NTF,
	NATGW_CMD_CONFIG_NTF,
	NATGW_CMD_EVENTS_LOST_NTF,

	__NATGW_CMD_MAX,
};
#define NATGW_CMD_MAX (__NATGW_CMD_MAX - 1)

/**
 * enum natgw_gw_state - operational state of a gateway
 * @NATGW_GW_STATE_UP: attached to its device; translating.
 * @NATGW_GW_STATE_DOWN: its device was deleted.  The gateway keeps its
 *	configuration but translates nothing and holds no session until it is
 *	re-attached with NATGW_CMD_GW_SET and %NATGW_A_GW_IFINDEX.
 */
enum natgw_gw_state {
	NATGW_GW_STATE_UP = 1,
	NATGW_GW_STATE_DOWN,
};

/**
 * enum natgw_tcp_state - TCP state of a session, as tracked by the gateway
 */
enum natgw_tcp_state {
	NATGW_TCP_NONE,		/* not TCP */
	NATGW_TCP_SYN_SENT,	/* SYN seen from the originator */
	NATGW_TCP_SYN_RECV,	/* SYN-ACK seen from the responder */
	NATGW_TCP_ESTABLISHED,	/* handshake complete */
	NATGW_TCP_FIN_WAIT,	/* FIN seen in one direction */
	NATGW_TCP_TIME_WAIT,	/* FIN seen in both directions */
	NATGW_TCP_CLOSE,	/* RST seen */
	__NATGW_TCP_MAX,
};

/**
 * enum natgw_sess_kind - what made a session
 * @NATGW_SESS_SNAT: an SNAT entry (private host started it).
 * @NATGW_SESS_DNAT: a DNAT port mapping (Internet host started it).
 * @NATGW_SESS_IPMAP_IN: a DNAT IP mapping, started from the Internet.
 * @NATGW_SESS_IPMAP_OUT: a DNAT IP mapping, started by the private host.
 * @NATGW_SESS_HAIRPIN: a private host reached a DNAT entry of its own gateway.
 */
enum natgw_sess_kind {
	NATGW_SESS_SNAT = 1,
	NATGW_SESS_DNAT,
	NATGW_SESS_IPMAP_IN,
	NATGW_SESS_IPMAP_OUT,
	NATGW_SESS_HAIRPIN,
};

/**
 * enum natgw_attrs - top level attributes
 *
 * @NATGW_A_GW_NAME: string, gateway name (1 to %NATGW_NAME_MAX - 1 bytes).
 * @NATGW_A_GW_IFINDEX: u32, ifindex of the external device.
 * @NATGW_A_GW_IFNAME: string, current name of the external device (reply).
 * @NATGW_A_GW_VPC_ADDR: be32, VPC network address (host bits must be zero).
 * @NATGW_A_GW_VPC_PLEN: u8, VPC prefix length, 1-32.
 * @NATGW_A_GW_SNAT_PORT_MIN: u16, first public port for SNAT (1-65535).
 * @NATGW_A_GW_SNAT_PORT_MAX: u16, last public port for SNAT (>= MIN).
 * @NATGW_A_GW_STATE: u8, &enum natgw_gw_state (reply).
 * @NATGW_A_GW_ICMP_REPLY: u8 0/1, answer pings to EIPs (default 1).
 * @NATGW_A_GW_EIP_ARP: u8 0/1, answer ARP for EIPs on the device (default 0).
 * @NATGW_A_GW_PROTECT: u8 0/1, deletion protection (default 0).
 * @NATGW_A_GW_DESCR: string, free text description.
 * @NATGW_A_GW_ID: u32, namespace-unique gateway id (reply).
 * @NATGW_A_FORCE: flag, for GW_DEL and EIP_DEL: remove dependents too.
 * @NATGW_A_EIP_ADDR: be32, an EIP.
 * @NATGW_A_EIP_LIST: nest of %NATGW_A_EIP_ADDR, the EIPs of an SNAT entry.
 * @NATGW_A_ENTRY_ID: u32, id of an SNAT or DNAT entry, unique per gateway and
 *	kind, starting at 1; a new entry gets one past the highest given so
 *	far unless the request names one (as natctl's restore does).
 * @NATGW_A_SNAT_SRC_ADDR: be32, source network of an SNAT entry.
 * @NATGW_A_SNAT_SRC_PLEN: u8, its prefix length, 0-32.
 * @NATGW_A_SNAT_SRC_VPC: flag, the source is the gateway's VPC CIDR.
 * @NATGW_A_SNAT_AFFINITY: u8 0/1, EIP affinity.
 * @NATGW_A_DNAT_PRIV_ADDR: be32, private address of a DNAT entry.
 * @NATGW_A_DNAT_PROTO: u8, IPPROTO_TCP or IPPROTO_UDP; absent for an IP
 *	mapping.
 * @NATGW_A_DNAT_PUB_PORT_MIN: u16, public port (range start).
 * @NATGW_A_DNAT_PUB_PORT_MAX: u16, public range end (= MIN for one port).
 * @NATGW_A_DNAT_PRIV_PORT_MIN: u16, private port (range start).
 * @NATGW_A_DNAT_PRIV_PORT_MAX: u16, private range end.
 * @NATGW_A_DNAT_PORT_OVERRIDE: flag/u8, public ports may take ports out of
 *	the SNAT range of an EIP used by SNAT entries.
 * @NATGW_A_SESS_*: a session (dump) or a session filter (GET/FLUSH/COUNT).
 *	IN is the private side, EIP the public side, REM the remote side.
 * @NATGW_A_SESS_TIMEOUT: u32, seconds until the session expires.
 * @NATGW_A_SESS_AGE: u32, seconds since the session was created.
 * @NATGW_A_SESS_COUNT: u64, number of sessions.
 * @NATGW_A_TIMEOUT_*: u32 seconds, 1 to 604800.
 * @NATGW_A_STATS: nest of &enum natgw_stats_attrs.
 * @NATGW_A_*_STATS_LIST: nest of nests (one per EIP or entry), each with the
 *	object's key (%NATGW_A_EIP_ADDR or %NATGW_A_ENTRY_ID) and %NATGW_A_STATS.
 * @NATGW_A_QUOTA_*: u32, the module's quotas (module parameters).
 * @NATGW_A_NTF_CMD: u8, the command a %NATGW_CMD_CONFIG_NTF reports.
 * @NATGW_A_NTF_LOST: u64, events lost since the module was loaded.
 * @NATGW_A_SESS_START: u64, session creation time (ns since the epoch).
 */
enum natgw_attrs {
	NATGW_A_UNSPEC,
	NATGW_A_GW_NAME,
	NATGW_A_GW_IFINDEX,
	NATGW_A_GW_IFNAME,
	NATGW_A_GW_VPC_ADDR,
	NATGW_A_GW_VPC_PLEN,
	NATGW_A_GW_SNAT_PORT_MIN,
	NATGW_A_GW_SNAT_PORT_MAX,
	NATGW_A_GW_STATE,
	NATGW_A_GW_ICMP_REPLY,
	NATGW_A_GW_EIP_ARP,
	NATGW_A_GW_PROTECT,
	NATGW_A_GW_DESCR,
	NATGW_A_GW_ID,
	NATGW_A_FORCE,
	NATGW_A_EIP_ADDR,
	NATGW_A_EIP_LIST,
	NATGW_A_ENTRY_ID,
	NATGW_A_SNAT_SRC_ADDR,
	NATGW_A_SNAT_SRC_PLEN,
	NATGW_A_SNAT_SRC_VPC,
	NATGW_A_SNAT_AFFINITY,
	NATGW_A_DNAT_PRIV_ADDR,
	NATGW_A_DNAT_PROTO,
	NATGW_A_DNAT_PUB_PORT_MIN,
	NATGW_A_DNAT_PUB_PORT_MAX,
	NATGW_A_DNAT_PRIV_PORT_MIN,
	NATGW_A_DNAT_PRIV_PORT_MAX,
	NATGW_A_DNAT_PORT_OVERRIDE,
	NATGW_A_SESS_PROTO,		/* u8 IPPROTO_* */
	NATGW_A_SESS_KIND,		/* u8 enum natgw_sess_kind */
	NATGW_A_SESS_IN_ADDR,		/* be32 */
	NATGW_A_SESS_IN_PORT,		/* u16 (ICMP: echo id) */
	NATGW_A_SESS_EIP_ADDR,		/* be32 */
	NATGW_A_SESS_EIP_PORT,		/* u16 */
	NATGW_A_SESS_REM_ADDR,		/* be32 */
	NATGW_A_SESS_REM_PORT,		/* u16 */
	NATGW_A_SESS_TCP_STATE,		/* u8 enum natgw_tcp_state */
	NATGW_A_SESS_TIMEOUT,
	NATGW_A_SESS_AGE,
	NATGW_A_SESS_BYTES_OUT,		/* u64, private -> Internet */
	NATGW_A_SESS_BYTES_IN,		/* u64, Internet -> private */
	NATGW_A_SESS_COUNT,
	NATGW_A_TIMEOUT_UDP,
	NATGW_A_TIMEOUT_ICMP,
	NATGW_A_TIMEOUT_TCP_SYN,
	NATGW_A_TIMEOUT_TCP_EST,
	NATGW_A_TIMEOUT_TCP_TRANS,
	NATGW_A_STATS,
	NATGW_A_EIP_STATS_LIST,
	NATGW_A_SNAT_STATS_LIST,
	NATGW_A_DNAT_STATS_LIST,
	NATGW_A_STATS_ITEM,		/* one element of a *_STATS_LIST */
	NATGW_A_QUOTA_GATEWAYS,
	NATGW_A_QUOTA_EIPS,
	NATGW_A_QUOTA_SNAT_ENTRIES,
	NATGW_A_QUOTA_DNAT_ENTRIES,
	NATGW_A_QUOTA_SESSIONS,
	NATGW_A_NTF_CMD,
	NATGW_A_NTF_LOST,
	NATGW_A_SESS_START,
	NATGW_A_PAD,
	NATGW_A_TIMEOUT_TCP_CLOSE,

	__NATGW_A_MAX,
};
#define NATGW_A_MAX (__NATGW_A_MAX - 1)

/**
 * enum natgw_stats_attrs - counters, all u64 (NLA_U64, padded by %NATGW_STATS_A_PAD)
 *
 * Sessions: ACTIVE_* are current counts by protocol; CREATED counts since
 * the object was made.  Traffic: OUT is private -> Internet (after
 * translation), IN is Internet -> private.  Drops are counted on the gateway
 * (and on the EIP or entry where one is known) by reason:
 * @NATGW_STATS_A_DROP_NO_SESSION: reply-direction packet with no session.
 * @NATGW_STATS_A_DROP_UNSOLICITED: packet to an EIP matching no session and
 *	no DNAT entry, or from outside straight to a VPC address.
 * @NATGW_STATS_A_DROP_PORT_ALLOC: ErrorPortAllocationCount: no public port
 *	free for a new session.
 * @NATGW_STATS_A_DROP_SESSION_LIMIT: the namespace's session limit was hit.
 * @NATGW_STATS_A_DROP_MALFORMED: truncated or inconsistent headers.
 * @NATGW_STATS_A_DROP_ICMP_NO_SESSION: ICMP error about no known session.
 * @NATGW_STATS_A_DROP_NO_SNAT: private source leaving the device with no
 *	SNAT entry covering it.
 * @NATGW_STATS_A_DROP_UNSUPPORTED: protocol the entry cannot translate.
 * @NATGW_STATS_A_ICMP_REPLIES: echo requests to EIPs answered by the gateway.
 */
enum natgw_stats_attrs {
	NATGW_STATS_A_UNSPEC,
	NATGW_STATS_A_PAD,
	NATGW_STATS_A_ACTIVE_TCP,
	NATGW_STATS_A_ACTIVE_UDP,
	NATGW_STATS_A_ACTIVE_ICMP,
	NATGW_STATS_A_CREATED,
	NATGW_STATS_A_PKTS_OUT,
	NATGW_STATS_A_BYTES_OUT,
	NATGW_STATS_A_PKTS_IN,
	NATGW_STATS_A_BYTES_IN,
	NATGW_STATS_A_DROP_NO_SESSION,
	NATGW_STATS_A_DROP_UNSOLICITED,
	NATGW_STATS_A_DROP_PORT_ALLOC,
	NATGW_STATS_A_DROP_SESSION_LIMIT,
	NATGW_STATS_A_DROP_MALFORMED,
	NATGW_STATS_A_DROP_ICMP_NO_SESSION,
	NATGW_STATS_A_DROP_NO_SNAT,
	NATGW_STATS_A_DROP_UNSUPPORTED,
	NATGW_STATS_A_ICMP_REPLIES,

	__NATGW_STATS_A_MAX,
};
#define NATGW_STATS_A_MAX (__NATGW_STATS_A_MAX - 1)

#endif /* _UAPI_LINUX_NATGW_H */

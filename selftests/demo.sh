#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: natgw at work on a small router topology, run inside the VM
# (selftests/vm/run-vm.sh streams its output to the terminal).  Every
# command is printed, shell-style, before it runs.
#
#            VPC 10.0.0.0/16                router                  Internet
#   +-------------------+           +-------------------+      +-----------------+
#   | vpc1 10.0.1.10/24 |eth0---vsw1| 10.0.1.1/24       |      |                 |
#   +-------------------+           |    natgw     wan0 |------| eth0            |
#   +-------------------+           |   198.51.100.1/24 |      | 198.51.100.2/24 |
#   | vpc2 10.0.2.10/24 |eth0---vsw2| 10.0.2.1/24       |      | inet            |
#   +-------------------+           +-------------------+      +-----------------+
#                              EIPs 203.0.113.5, 203.0.113.6
#
# The Internet host routes the EIP block 203.0.113.0/24 to the router and
# knows nothing of 10.0.0.0/16, so only translation can bring replies back.
#
# The demo is a list of scenes (main, at the bottom): the topology, the
# module, a gateway, SNAT, DNAT, clean-up.

set -u

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH=$repo/tools/natctl:$PATH

say()
{
	printf '\n## %s\n' "$*"
}

# Print a command, run it, and stop the demo if it fails.
run()
{
	printf '$ %s\n' "$*"
	"$@" && return 0
	echo "demo: '$*' failed (exit $?)"
	exit 1
}

# Print a command that is meant to be refused, and its exit status.
run_refused()
{
	local rc

	printf '$ %s\n' "$*"
	"$@" && rc=0 || rc=$?
	echo "(exit status $rc)"
	if ((rc == 0)); then
		echo "demo: '$*' should have been refused"
		exit 1
	fi
}

quiet()
{
	"$@" >/dev/null 2>&1 || { echo "demo: setup step failed: $*"; exit 1; }
}

# veth pair: NS1 IF1 <-> NS2 IF2, both up.
link()
{
	quiet ip link add "$2" netns "$1" type veth peer name "$4" netns "$3"
	quiet ip -n "$1" link set "$2" up
	quiet ip -n "$3" link set "$4" up
}

scene_topology()
{
	say "Topology"
	sed -n '/^#  *VPC 10/,/^#$/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
	for ns in vpc1 vpc2 router inet; do
		quiet ip netns add "$ns"
		quiet ip -n "$ns" link set lo up
	done
	link vpc1 eth0 router vsw1
	link vpc2 eth0 router vsw2
	link router wan0 inet eth0
	quiet ip -n vpc1 addr add 10.0.1.10/24 dev eth0
	quiet ip -n vpc1 route add default via 10.0.1.1
	quiet ip -n vpc2 addr add 10.0.2.10/24 dev eth0
	quiet ip -n vpc2 route add default via 10.0.2.1
	quiet ip -n router addr add 10.0.1.1/24 dev vsw1
	quiet ip -n router addr add 10.0.2.1/24 dev vsw2
	quiet ip -n router addr add 198.51.100.1/24 dev wan0
	quiet ip -n router route add default via 198.51.100.2
	quiet ip netns exec router sysctl -qw net.ipv4.ip_forward=1
	quiet ip -n inet addr add 198.51.100.2/24 dev eth0
	quiet ip -n inet route add 203.0.113.0/24 via 198.51.100.1
	run ip -n router -brief address show

	say "Without NAT, a VPC host gets no answer from the Internet host"
	echo "(the Internet host has no route back to 10.0.0.0/16)"
	run_refused ip netns exec vpc1 ping -c 1 -W 1 198.51.100.2
}

scene_load()
{
	local dep

	say "Load the module"
	for dep in $(modinfo -F depends kmod/natgw.ko | tr , ' '); do
		run modprobe "$dep"
	done
	run insmod kmod/natgw.ko
	run natctl gateway show
}

scene_gateway()
{
	say "A NAT gateway on the router: Internet side wan0, private side the VPC"
	run natctl -n router gateway add gw1 dev wan0 vpc 10.0.0.0/16
	run natctl -n router gateway show
	run natctl -n router -j -p gateway show

	say "Names are unique in a namespace; bad arguments are refused"
	run_refused natctl -n router gateway add gw1 dev wan0 vpc 10.0.0.0/16
	run_refused natctl -n router gateway add gw2 dev wan0 vpc 10.0.0.1/16

	say "Gateways live in their namespace: the initial one has none"
	run natctl gateway show

	say "The gateway holds its device by ifindex and follows a rename"
	run ip -n router link set wan0 down
	run ip -n router link set wan0 name uplink0
	run natctl -n router gateway show gw1
	run ip -n router link set uplink0 name wan0
	run ip -n router link set wan0 up
}

# A server that answers every connection with the address it sees.
serve()
{
	local ns=$1 spec=$2

	ip netns exec "$ns" socat "$spec,reuseaddr,fork" \
		SYSTEM:'echo "  server sees the client as $SOCAT_PEERADDR:$SOCAT_PEERPORT"' \
		>/dev/null 2>&1 &
	sleep 0.3
}

scene_snat()
{
	say "Associate two EIPs with the gateway"
	run natctl -n router eip add gw1 203.0.113.5
	run natctl -n router eip add gw1 203.0.113.6
	run natctl -n router eip show

	say "SNAT: the whole VPC leaves as 203.0.113.5, vpc2's subnet as 203.0.113.6 (longest prefix wins)"
	run natctl -n router snat add gw1 source vpc eip 203.0.113.5
	run natctl -n router snat add gw1 source 10.0.2.0/24 eip 203.0.113.6
	run natctl -n router snat show

	say "The VPC hosts now reach the Internet host, which sees an EIP"
	serve inet TCP-LISTEN:80
	serve inet UDP-RECVFROM:53
	run ip netns exec vpc1 ping -c 2 -W 2 198.51.100.2
	run ip netns exec vpc1 socat -T 3 - TCP:198.51.100.2:80,connect-timeout=3
	run ip netns exec vpc2 socat -T 3 - TCP:198.51.100.2:80,connect-timeout=3
	echo query | run ip netns exec vpc2 socat -T 3 - UDP:198.51.100.2:53

	say "Each flow is a session: private side -> EIP side -> remote side"
	run natctl -n router session show
	run natctl -n router stats gw1
}

scene_dnat()
{
	say "DNAT: publish vpc1's web server on 203.0.113.5 port 8080"
	serve vpc1 TCP-LISTEN:8000
	run_refused natctl -n router dnat add gw1 eip 203.0.113.5 proto tcp port 8080 to 10.0.1.10 port 8000
	echo "(8080 lies in the SNAT port range of an EIP that SNAT uses: take it with port-override)"
	run natctl -n router dnat add gw1 eip 203.0.113.5 proto tcp port 8080 to 10.0.1.10 port 8000 port-override
	run natctl -n router dnat show

	say "The Internet host reaches it; the server sees the real client"
	run ip netns exec inet socat -T 3 - TCP:203.0.113.5:8080,connect-timeout=3

	say "Hairpin: vpc2 uses the public address too, and the server sees the EIP"
	run ip netns exec vpc2 socat -T 3 - TCP:203.0.113.5:8080,connect-timeout=3

	say "Unsolicited traffic to an EIP gets nowhere, and is counted"
	run_refused ip netns exec inet socat -T 2 - TCP:203.0.113.6:22,connect-timeout=2
	run natctl -n router stats gw1
	run natctl -n router session show proto tcp
}

scene_cleanup()
{
	say "Clean up: a gateway with EIPs and entries goes only with force"
	run_refused natctl -n router gateway del gw1
	run natctl -n router gateway del gw1 force
	run natctl -n router gateway show
	run rmmod natgw
}

main()
{
	cd "$repo" || exit 1
	echo "natgw demo: a cloud-style Internet NAT gateway on a Linux router"
	scene_topology
	scene_load
	scene_gateway
	scene_snat
	scene_dnat
	scene_cleanup
	say "Done"
}

main

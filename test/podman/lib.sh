# test/podman/lib.sh — podman for the container suites (sourced, not run).
#
# No registry can be pulled from on CI machines, so the Debian 12 base image
# the Dockerfiles build FROM (BASE_IMAGE) is made here: debootstrap minbase
# from Debian's archive, imported into podman.  The tarball is cached under
# $SESAMI_CI_CACHE (default /var/cache/sesami-ci), one per ISO week and
# recipe version, so a machine debootstraps at most once a week; the imported
# image is reused while it exists.
#
#   pm ARGS...        podman with test/podman/containers.conf
#   pm_base_image     prints the local base image's name, making it if needed

PODMAN_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export CONTAINERS_CONF=$PODMAN_LIB_DIR/containers.conf
SESAMI_CI_CACHE=${SESAMI_CI_CACHE:-/var/cache/sesami-ci}
# Bump when the recipe below changes.
PM_BASE_RECIPE=1

pm() { podman "$@"; }

# The Debian mirror this machine's apt uses (deb822 or one-line sources).
pm_host_mirror() {
	cat /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list 2>/dev/null |
		awk '/^URIs:/ { print $2; exit } /^deb / { print ($2 ~ /^\[/ ? $3 : $2); exit }'
}

pm_base_image() {
	local key name tarball root
	key="bookworm-minbase-r$PM_BASE_RECIPE-$(date -u +%G-w%V)"
	name="localhost/sesami-ci-base:$key"
	if pm image exists "$name"; then
		echo "$name"
		return 0
	fi
	tarball="$SESAMI_CI_CACHE/debian-$key.tar"
	if [ ! -s "$tarball" ]; then
		mkdir -p "$SESAMI_CI_CACHE"
		root=$(mktemp -d "$SESAMI_CI_CACHE/rootfs.XXXXXX")
		if ! debootstrap --variant=minbase bookworm "$root" "$(pm_host_mirror)" >"$root.log" 2>&1; then
			echo "debootstrap failed:" >&2
			tail -20 "$root.log" >&2
			rm -rf "$root" "$root.log"
			return 1
		fi
		# What debian:bookworm-slim has beyond minbase: the update and
		# security suites (this machine's own Debian sources, which name them),
		# no documentation, no apt caches.
		[ -s /etc/apt/sources.list ] && cp /etc/apt/sources.list "$root/etc/apt/sources.list"
		[ -f /etc/apt/sources.list.d/debian.sources ] &&
			cp /etc/apt/sources.list.d/debian.sources "$root/etc/apt/sources.list.d/"
		cat >"$root/etc/dpkg/dpkg.cfg.d/excludes" <<-'EXCLUDES'
			path-exclude /usr/share/doc/*
			path-include /usr/share/doc/*/copyright
			path-exclude /usr/share/man/*
			path-exclude /usr/share/info/*
			path-exclude /usr/share/locale/*
		EXCLUDES
		rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
		tar -C "$root" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
		rm -rf "$root" "$root.log"
		# older weeks' tarballs
		find "$SESAMI_CI_CACHE" -maxdepth 1 -name 'debian-bookworm-minbase-*.tar' ! -name "debian-$key.tar" -delete
	fi
	pm import --quiet "$tarball" "$name" >/dev/null || return 1
	echo "$name"
}

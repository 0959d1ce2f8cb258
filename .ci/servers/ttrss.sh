#!/usr/bin/env bash
# Tiny Tiny RSS for the sync tests: Debian 12's own tt-rss (API level 15, the frozen
# reference), unpacked into $READER_CI_TTRSS (default /opt/reader-ci/tt-rss), where
# tests/sync/ttrss_server.py looks for it, plus the PHP it runs on.
#
# The package is unpacked (apt-get download + dpkg -x), not installed: installing it
# runs dbconfig-common against a live database and pulls a web server. The fixtures need
# only the PHP tree: they start PostgreSQL (postgres.sh), load tt-rss's schema and serve
# www/ with `php -S`. The tree's config.php is replaced by a two-line loader of the file
# named in $TTRSS_CONFIG_FILE, so every test server writes its own settings.
# Idempotent: does nothing when a tt-rss is unpacked there and the PHP modules load.
# Debian's current build is taken (21~git20210204.b4cbc79+dfsg-1.2 when written; a
# security update keeps API level 15), and its version written to $target/VERSION.
set -euo pipefail
target=${READER_CI_TTRSS:-/opt/reader-ci/tt-rss}
php_packages="php-cli php-pgsql php-mbstring php-intl php-xml php-curl php-psr-log php-php-gettext"
export DEBIAN_FRONTEND=noninteractive

php_ready() {
    command -v php >/dev/null || return 1
    local modules
    modules=$(php -m 2>/dev/null) || return 1
    for module in pdo_pgsql pgsql mbstring intl dom curl; do
        grep -qix "$module" <<<"$modules" || return 1
    done
    [ -d /usr/share/php/Psr/Log ] && [ -d /usr/share/php/php-php-gettext ]
}

if php_ready; then
    echo "ttrss.sh: PHP present ($(php -r 'echo PHP_VERSION;'))"
else
    echo "ttrss.sh: installing PHP ($php_packages)"
    apt-get update -qq
    # shellcheck disable=SC2086  # a list of package names
    apt-get install -y -qq --no-install-recommends $php_packages >/dev/null
    php_ready || { echo "ttrss.sh: PHP modules still missing after the install" >&2; exit 1; }
fi

if [ -s "$target/VERSION" ] && [ -f "$target/www/api/index.php" ]; then
    echo "ttrss.sh: tt-rss $(cat "$target/VERSION") present at $target"
    exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"     # (apt-get download runs as _apt where it can)
(cd "$work" && apt-get download -qq tt-rss 2>/dev/null) || {
    apt-get update -qq
    (cd "$work" && apt-get download -qq tt-rss)
}
deb=$(ls "$work"/tt-rss_*.deb)
version=$(dpkg-deb -f "$deb" Version)
echo "ttrss.sh: unpacking tt-rss $version into $target"
dpkg -x "$deb" "$work/root"
www="$work/root/usr/share/tt-rss/www"

# The package's symlinks point at other Debian packages by relative paths from
# /usr/share/tt-rss/www; out of place they must be absolute. Those into packages not
# installed here (dojo, the icon font, phpqrcode: the web UI's) are left dangling: the
# API does not use them.
while IFS= read -r -d '' link; do
    relative=${link#"$www"/}
    destination=$(readlink "$link")
    case "$relative" in
        config.php) rm "$link"; continue ;;
    esac
    case "$destination" in
        /*) ;;
        *) ln -sfn "$(realpath -m "/usr/share/tt-rss/www/$(dirname "$relative")/$destination")" "$link" ;;
    esac
done < <(find "$www" -type l -print0)
rm -f "$www/feed-icons"

cat > "$www/config.php" <<'PHP'
<?php
	// reader CI: each test server's settings are a file of its own (tests/sync/ttrss_server.py).
	$reader_ci_config = getenv('TTRSS_CONFIG_FILE');
	if (!$reader_ci_config || !is_file($reader_ci_config)) {
		http_response_code(500);
		die("TTRSS_CONFIG_FILE does not name a config file\n");
	}
	require $reader_ci_config;
PHP

staging="$target.new"
rm -rf "$staging"
mkdir -p "$staging"
mv "$www" "$staging/www"
mv "$work/root/usr/share/tt-rss/schema" "$staging/schema"
echo "$version" > "$staging/VERSION"
chmod -R a+rX "$staging"
rm -rf "$target"
mv "$staging" "$target"
echo "ttrss.sh: installed $target (API $(grep -o 'API_LEVEL *= *[0-9]*' "$target/www/classes/api.php" | grep -o '[0-9]*$'))"

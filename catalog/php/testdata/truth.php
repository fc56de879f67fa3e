<?php
// Prints what Composer itself recorded of the installed packages of each
// installed.json in testdata: the installed.php written beside it by the
// same `composer install` (InstalledVersions' data), as
// "DIR NAME PRETTY_VERSION dev|prod", sorted; the root package is left out.
// Run by hand: php testdata/truth.php > testdata/installed.composer.txt
$out = [];
$files = array_merge(
    glob(__DIR__ . '/root/usr/share/icingaweb2/library/vendor/dompdf/vendor/composer/installed.php'),
    glob(__DIR__ . '/src/*/vendor/composer/installed.php')
);
foreach ($files as $file) {
    $data = require $file;
    $dir = substr(dirname($file), strlen(__DIR__) + 1);
    foreach ($data['versions'] as $name => $v) {
        if ($name === $data['root']['name'] || !isset($v['pretty_version'])) {
            continue; // the root project, or a package only provided/replaced
        }
        $out[] = sprintf("%s %s %s %s", $dir, $name, $v['pretty_version'], $v['dev_requirement'] ? 'dev' : 'prod');
    }
}
sort($out);
echo implode("\n", $out), "\n";

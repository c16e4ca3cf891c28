#!/usr/bin/perl
# Writes a small country database in MaxMind DB format for the country-filter tests, with Debian's
# libmaxmind-db-writer-perl (the writer MaxMind publishes). Usage: write-country-db.pl OUT.mmdb IP=CC ...
use strict;
use warnings;
use MaxMind::DB::Writer::Tree;

my $out = shift @ARGV or die "usage: $0 OUT.mmdb IP=CC ...\n";
my %types = (country => 'map', iso_code => 'utf8_string');
my $tree = MaxMind::DB::Writer::Tree->new(
    ip_version               => 6,
    record_size              => 24,
    database_type            => 'tuns-Test-Country',
    languages                => ['en'],
    description              => { en => 'tuns test country database' },
    remove_reserved_networks => 0,    # the tests connect from 127.0.0.x
    map_key_type_callback    => sub { $types{ $_[0] } },
);
for my $pair (@ARGV) {
    my ($ip, $cc) = split /=/, $pair, 2;
    $ip .= '/32' unless $ip =~ m{/};
    $tree->insert_network($ip, { country => { iso_code => $cc } });
}
open my $fh, '>:raw', $out or die "cannot write $out: $!\n";
$tree->write_tree($fh);
close $fh or die "cannot write $out: $!\n";

#!/usr/bin/perl
# Makes imgopt's terminal and log output comparable with an expected file:
# - a terminal's progress bars (`\r\e[K...`, redrawn at a rate that
#   depends on the machine) become one "[progress bar: VERB]" line per
#   stage that drew one, in order, and `\r\n` becomes `\n`;
# - a log's progress lines of one stage collapse into the stage's last
#   line (how many are printed depends on timing), without rate and ETA;
# - the time taken and the sizes of encoded variants (encoder-dependent)
#   are masked.
use strict;
use warnings;
local $/;
my $text = <STDIN>;
$text =~ s/\r\n/\n/g;
my @bars;
$text =~ s{\r\e\[K([a-z]+)\s+\[[#-]*\][^\r\n]*}{push @bars, $1; ""}ge;
$text =~ s{\r\e\[K}{}g;
my (@seen, %last);
for my $b (@bars) { push @seen, $b unless @seen && $seen[-1] eq $b; }
my $out = join('', map { "[progress bar: $_]\n" } @seen);
my @lines = split /\n/, $text, -1;
my @kept;
for my $l (@lines) {
	$l =~ s/^(imgopt: [a-z]+: [^,]*(?:, [0-9.]+ [kMGT]?B(?!\/))?).*$/$1/;
	if ($l =~ /^imgopt: ([a-z]+): / && @kept && $kept[-1] =~ /^imgopt: \Q$1\E: /) {
		$kept[-1] = $l;
		next;
	}
	push @kept, $l;
}
$text = join("\n", @kept);
$text =~ s/^time:(\s+).*$/time:$1T/mg;
$text =~ s/-> [0-9.]+ [kMGT]?B/-> SIZE/g;
print $out, $text;

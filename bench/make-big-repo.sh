#!/usr/bin/env bash
# Generate a deterministic, realistic repository for the blame benchmark.
#
# usage: bench/make-big-repo.sh DIR [COMMITS]      (default 4000 commits)
#
# The history is written as a `git fast-import` stream by the Perl program
# below (Perl is part of every Debian system) with its own seeded generator,
# so the same arguments always give the same commit ids.  Shape: ~40 authors
# (a few with two e-mails folded by .mailmap), a few hundred files of C-like,
# Markdown and config text in nested directories; each commit edits 1-4
# files (insert, delete, rewrite, append blocks), adds or deletes files now
# and then, renames files (some with edits) and moves a directory; every ~15
# commits a feature branch of 2-8 commits is merged back with a merge commit;
# a few commits are dated before their parent.  Then one `git repack` so the
# object database looks like a clone's.
set -euo pipefail
dir=${1:?usage: make-big-repo.sh DIR [COMMITS]}
commits=${2:-4000}
rm -rf "$dir"
git -c init.defaultBranch=main init -q "$dir"

perl - "$commits" <<'PERL' | git -C "$dir" fast-import --quiet
use strict;
use warnings;

my $ncommits = shift;
my $seed = 20240611;
# rnd(N): deterministic integer in [0, N) from a 31-bit LCG (exact in Perl's integers).
sub rnd {
	my ($n) = @_;
	$seed = ($seed * 1103515245 + 12345) % 2147483648;
	return int(($seed / 2147483648) * $n);
}

my @first = qw(Ada Ben Chen Dana Eli Fay Gus Hana Ivan Jo Kai Lena Mo Nia Omar Pia Quinn Rosa Sam Tara
	Uma Vic Wen Xavi Yara Zed Ana Bo Cy Di Ed Flo Gil Hal Ira Jun Kim Lou Max Ned);
my @authors = map { [ "$first[$_] Dev", lc($first[$_]) . "\@example.org" ] } 0 .. $#first;
# a few authors also commit under an old address, folded by .mailmap
my %old = (1 => 'ben@old-laptop.local', 5 => 'fay@company.example', 9 => 'jo@users.noreply.github.com');

my @words = qw(value count index buffer result state node item config handler request response
	cache entry table record offset length size limit parser token stream writer reader);
# code_line(): one line of plausible C-like text.
sub code_line {
	my $r = rnd(10);
	my ($a, $b) = ($words[rnd(scalar @words)], $words[rnd(scalar @words)]);
	return "" if $r == 0;
	return "\t/* update the $a before the $b */" if $r == 1;
	return "\tif ($a->$b > " . rnd(1000) . ")" if $r == 2;
	return "\t\treturn $a;" if $r == 3;
	return "}" if $r == 4;
	return "\t$a = $b + " . rnd(100) . ";" if $r <= 6;
	return "static int ${a}_$b(struct $a *$a, size_t $b)" if $r == 7;
	return "{" if $r == 8;
	return "\t$a" . "_set($b, " . rnd(50) . ", \"$a\");";
}
sub block { my ($n) = @_; return [ map { code_line() } 1 .. $n ]; }

my @dirs = qw(src src/core src/net src/util src/db lib lib/parse docs tools test test/unit include);
my %files;            # path -> array ref of lines (main branch state)
my $fileno = 0;
# new_path(): a fresh file name in a random directory.
sub new_path {
	my $d = $dirs[rnd(scalar @dirs)];
	my $ext = $d =~ /docs/ ? 'md' : $d =~ /include/ ? 'h' : $d =~ /tools/ ? 'sh' : 'c';
	return "$d/" . $words[rnd(scalar @words)] . "_" . ($fileno++) . ".$ext";
}
for (1 .. 180) { $files{new_path()} = block(30 + rnd(120)); }

my $time = 1500000000;
my $mark = 0;
my $main_mark;

# data(STR): a fast-import data block.
sub data { my ($s) = @_; return "data " . length($s) . "\n$s\n"; }

# emit(branch, parents, author, message, changes): write one commit, return its mark.
sub emit {
	my ($ref, $parents, $ai, $msg, $changes, $skew) = @_;
	$time += 600 + rnd(7200);
	my $t = $skew ? $time - 86400 * 2 : $time;
	my ($name, $email) = @{ $authors[$ai] };
	$email = $old{$ai} if exists $old{$ai} && rnd(3) == 0;
	my $m = ++$mark;
	print "commit $ref\nmark :$m\n";
	print "author $name <$email> $t +0000\ncommitter $name <$email> $t +0000\n";
	print data($msg);
	my @p = @$parents;
	print "from :$p[0]\n" if @p;
	print "merge :$_\n" for @p[1 .. $#p];
	for my $c (@$changes) {
		if ($c->[0] eq 'D') { print "D $c->[1]\n"; }
		else { print "M 100644 inline $c->[1]\n" . data(join("\n", @{ $c->[2] }) . "\n"); }
	}
	print "\n";
	return $m;
}

# edit(lines): a modified copy of a file's lines.
sub edit {
	my ($l) = @_;
	my @l = @$l;
	my $op = rnd(10);
	my $pos = @l ? rnd(scalar @l) : 0;
	if ($op < 4) { splice(@l, $pos, 0, @{ block(1 + rnd(15)) }); }
	elsif ($op < 6 && @l > 20) { splice(@l, $pos, 1 + rnd(8)); }
	elsif ($op < 9) { for (0 .. rnd(4)) { $l[rnd(scalar @l)] = code_line() if @l; } }
	else { push @l, @{ block(3 + rnd(20)) }; }
	return \@l;
}

# initial commit with .mailmap
my @init = map { [ 'M', $_, $files{$_} ] } sort keys %files;
my @mm = ("Ben Dev <ben\@example.org> <ben\@old-laptop.local>",
	"Fay Dev <fay\@example.org> <fay\@company.example>",
	"Jo Dev <jo\@example.org> <jo\@users.noreply.github.com>");
push @init, [ 'M', '.mailmap', \@mm ];
$main_mark = emit('refs/heads/main', [], 0, "initial import\n", \@init);

my $done = 1;
while ($done < $ncommits) {
	if (rnd(15) == 0) {
		# a feature branch on files main leaves alone meanwhile, merged back
		my @paths = sort keys %files;
		my @mine = map { $paths[rnd(scalar @paths)] } 1 .. 3;
		my %branch = map { $_ => $files{$_} } @mine;
		my $ai = rnd(scalar @authors);
		my $bm = $main_mark;
		for (1 .. 2 + rnd(7)) {
			my $p = $mine[rnd(scalar @mine)];
			$branch{$p} = edit($branch{$p});
			$bm = emit('refs/heads/feature', [$bm], $ai, "feature work on $p\n", [ [ 'M', $p, $branch{$p} ] ]);
			$done++;
		}
		# main moves on elsewhere meanwhile
		my %busy = map { $_ => 1 } @mine;
		for (1 .. rnd(3)) {
			my @free = grep { !$busy{$_} } sort keys %files;
			my $p = $free[rnd(scalar @free)];
			$files{$p} = edit($files{$p});
			$main_mark = emit('refs/heads/main', [$main_mark], rnd(scalar @authors), "fix $p\n", [ [ 'M', $p, $files{$p} ] ]);
			$done++;
		}
		my @changes;
		for my $p (sort keys %branch) { $files{$p} = $branch{$p}; push @changes, [ 'M', $p, $files{$p} ]; }
		$main_mark = emit('refs/heads/main', [ $main_mark, $bm ], rnd(scalar @authors), "Merge branch 'feature'\n", \@changes);
		$done++;
		next;
	}
	my $ai = rnd(scalar @authors);
	my $kind = rnd(100);
	my @paths = sort keys %files;
	my @changes;
	my $msg;
	if ($kind < 3) {
		my $p = new_path();
		$files{$p} = block(20 + rnd(150));
		@changes = ([ 'M', $p, $files{$p} ]);
		$msg = "add $p\n";
	} elsif ($kind < 4 && @paths > 150) {
		my $p = $paths[rnd(scalar @paths)];
		delete $files{$p};
		@changes = ([ 'D', $p ]);
		$msg = "remove $p\n";
	} elsif ($kind < 6) {
		# rename, sometimes with an edit (small or large)
		my $p = $paths[rnd(scalar @paths)];
		my $q = new_path();
		my $l = $files{$p};
		$l = edit($l) if rnd(2);
		$l = [ @{ $l }[ 0 .. int($#$l / 3) ], @{ block(scalar @$l) } ] if rnd(4) == 0;
		delete $files{$p};
		$files{$q} = $l;
		@changes = ([ 'D', $p ], [ 'M', $q, $l ]);
		$msg = "rename $p to $q\n";
	} elsif ($kind < 7 && $done % 500 < 20) {
		# move a whole directory
		my $from = $dirs[rnd(scalar @dirs)];
		my $to = "$from" . "2";
		for my $p (grep { index($_, "$from/") == 0 && !/\/.*\/.*\// } @paths) {
			(my $q = $p) =~ s/^\Q$from\E\//$to\//;
			next if exists $files{$q};
			$files{$q} = delete $files{$p};
			push @changes, [ 'D', $p ], [ 'M', $q, $files{$q} ];
		}
		push @dirs, $to;
		$msg = "move $from/ to $to/\n";
		@changes = ([ 'M', $paths[0], $files{$paths[0]} = edit($files{$paths[0]}) ]) unless @changes;
	} else {
		my %seen;
		for (0 .. rnd(4)) {
			my $p = $paths[rnd(scalar @paths)];
			next if $seen{$p}++;
			$files{$p} = edit($files{$p});
			push @changes, [ 'M', $p, $files{$p} ];
		}
		$msg = "update " . join(", ", sort keys %seen) . "\n";
	}
	$main_mark = emit('refs/heads/main', [$main_mark], $ai, $msg, \@changes, rnd(200) == 0);
	$done++;
}
print "reset refs/heads/feature\nfrom 0000000000000000000000000000000000000000\n\n";
PERL
git -C "$dir" update-ref -d refs/heads/feature 2>/dev/null || true
git -C "$dir" repack -a -d -q
git -C "$dir" checkout -q -f main
echo "$dir: $(git -C "$dir" rev-list --count HEAD) commits, $(git -C "$dir" ls-files | wc -l) files"

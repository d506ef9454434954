package root

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/calibkit/calibkit/cli/cmdutil"
)

// groupOnly marks a command that only groups subcommands (study, corpus,
// export…) in its annotations.
const groupOnly = "calibkit/group-only"

// refuseUnknown gives every command under root that only groups
// subcommands a run function: without arguments it prints the help, as
// cobra does for such commands, and with one it is a usage error (exit
// 2). cobra itself checks subcommand names only at the root: "calibkit
// study bogus" printed study's help and exited 0. The usage line of such
// a command stays "calibkit study [command]" alone.
func refuseUnknown(root *cobra.Command) {
	for _, c := range root.Commands() {
		if c.Name() == "help" {
			c.RunE = helpRun // cobra's prints "Unknown help topic" and exits 0
			continue
		}
		refuseUnknownUnder(c)
	}
	root.SetUsageTemplate(strings.Replace(root.UsageTemplate(),
		"{{if .Runnable}}\n  {{.UseLine}}{{end}}",
		"{{if and .Runnable (not (index .Annotations \""+groupOnly+"\"))}}\n  {{.UseLine}}{{end}}", 1))
}

func refuseUnknownUnder(c *cobra.Command) {
	for _, sub := range c.Commands() {
		refuseUnknownUnder(sub)
	}
	if c.Runnable() || !c.HasSubCommands() {
		return
	}
	if c.Annotations == nil {
		c.Annotations = map[string]string{}
	}
	c.Annotations[groupOnly] = "true"
	c.RunE = func(c *cobra.Command, args []string) error {
		if len(args) == 0 {
			return c.Help()
		}
		if c.SuggestionsMinimumDistance <= 0 {
			c.SuggestionsMinimumDistance = 2 // cobra's default, set only where it suggests itself
		}
		if s := c.SuggestionsFor(args[0]); len(s) > 0 {
			return cmdutil.FlagErrorf("unknown command %q for %q; did you mean %q?", args[0], c.CommandPath(), c.CommandPath()+" "+s[0])
		}
		var names []string
		for _, sub := range c.Commands() {
			if sub.IsAvailableCommand() {
				names = append(names, sub.Name())
			}
		}
		return cmdutil.FlagErrorf("unknown command %q for %q (its commands: %s)", args[0], c.CommandPath(), strings.Join(names, ", "))
	}
}

// helpRun is "calibkit help [command]": the command's help, or, for a name
// that is no command, a usage error (exit 2).
func helpRun(c *cobra.Command, args []string) error {
	target, rest, err := c.Root().Find(args)
	if err != nil || len(rest) > 0 {
		return cmdutil.FlagErrorf("unknown help topic %q: no such command", strings.Join(args, " "))
	}
	target.InitDefaultHelpFlag()
	target.InitDefaultVersionFlag()
	return target.Help()
}

# Packages the card top as a Vitis RTL kernel (.xo). Run by Makefile.fpga's package_xo target:
#   vivado -mode batch -source package_xo.tcl -tclargs <xo path> <top module> <project dir> <rtl files...>
# The kernel interface follows hubsec_card's ports: s_axil_* (AXI4-Lite registers, the kernel's control
# port), m_axi_* (AXI4 master to host or card memory), clk_i / rst_ni, irq_o. The register map is the
# card's own (docs/hw-interface.md), so the kernel is packaged as user-managed (no ap_ctrl protocol).
# Written for Vivado 2022.2+; not run on the development machines (no Vivado there).
if {[llength $argv] < 4} {
  puts "usage: package_xo.tcl <xo path> <top module> <project dir> <rtl files...>"
  exit 1
}
set xo_path   [lindex $argv 0]
set top       [lindex $argv 1]
set proj_dir  [lindex $argv 2]
set rtl_files [lrange $argv 3 end]

create_project -force kernel_pack $proj_dir
add_files -norecurse $rtl_files
set_property file_type SystemVerilog [get_files *.sv]
set_property top $top [current_fileset]
update_compile_order -fileset sources_1

ipx::package_project -root_dir $proj_dir/ip -vendor hubsec.org -library kernel -taxonomy /KernelIP \
  -import_files -set_current false
ipx::unload_core $proj_dir/ip/component.xml
ipx::edit_ip_in_project -upgrade true -name tmp_edit_project -directory $proj_dir/ip $proj_dir/ip/component.xml
set core [ipx::current_core]

# Bus interfaces by port prefix; the clock and the active-low reset by name.
ipx::infer_bus_interfaces xilinx.com:interface:aximm_rtl:1.0 $core
ipx::associate_bus_interfaces -busif s_axil -clock clk_i $core
ipx::associate_bus_interfaces -busif m_axi -clock clk_i $core
set_property value ACTIVE_LOW [ipx::get_bus_parameters POLARITY -of_objects \
  [ipx::get_bus_interfaces rst_ni -of_objects $core]]

# Vitis kernel properties: user-managed control, the register port as the control interface.
set_property sdx_kernel true $core
set_property sdx_kernel_type rtl $core
set_property ipi_drc {ignore_freq_hz true} $core
set_property vitis_drc {ctrl_protocol user_managed} $core
ipx::create_xgui_files $core
ipx::update_checksums $core
ipx::check_integrity -kernel $core
ipx::save_core $core
close_project -delete

package_xo -force -xo_path $xo_path -kernel_name $top -ip_directory $proj_dir/ip -ctrl_protocol user_managed
